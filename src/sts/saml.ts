/**
 * AssumeRoleWithSAML (STS API, "AssumeRoleWithSAML"; IAM UG, "Configure SAML assertions for the
 * authentication response"). Unsigned: the IdP's signed assertion is the proof, decrypted first
 * with the provider's private keys when the IdP encrypts it. The assertion's Role attribute must
 * offer the requested role and provider, and the role's trust policy must allow the provider
 * (`Federated`) under the assertion's saml: context keys.
 */
import { createHash } from 'node:crypto';
import type { AssumeRoleWithSAMLRequest, AssumeRoleWithSAMLResponse } from '@aws-sdk/client-sts';
import { AccessDenied } from '../authz/errors.js';
import type { Handler, Input } from '../iam/context.js';
import { ValidationError } from '../iam/errors.js';
import { findSamlProvider, openPrivateKeys } from '../iam/saml-providers.js';
import { compile, evaluate, type ContextValue } from '../policy/index.js';
import { findRole } from './assume-role.js';
import { ExpiredToken, IDPRejectedClaim, InvalidIdentityToken } from './errors.js';
import { verifySamlResponse, type SamlClaims } from './saml-assertion.js';
import { startRoleSession } from './sessions.js';

/** The attributes AWS reads from an assertion (IAM UG, "Configure SAML assertions…": Attribute elements). */
const ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/';
const ROLE = `${ATTRIBUTE}Role`;
const ROLE_SESSION_NAME = `${ATTRIBUTE}RoleSessionName`;
const SESSION_DURATION = `${ATTRIBUTE}SessionDuration`;
const SOURCE_IDENTITY = `${ATTRIBUTE}SourceIdentity`;
const PRINCIPAL_TAG = `${ATTRIBUTE}PrincipalTag:`;
const TRANSITIVE_TAG_KEYS = `${ATTRIBUTE}TransitiveTagKeys`;

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const MAX_SESSION_TAGS = 50;
const DEFAULT_DURATION = 3600;

/** Attributes that become saml: context keys by their OID names (IAM UG, "Mapping SAML attributes to AWS trust policy context keys"). */
const ATTRIBUTE_KEYS: Readonly<Record<string, string>> = {
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.1': 'saml:edupersonaffiliation',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.2': 'saml:edupersonnickname',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.3': 'saml:edupersonorgdn',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.4': 'saml:edupersonorgunitdn',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.5': 'saml:edupersonprimaryaffiliation',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.6': 'saml:edupersonprincipalname',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.7': 'saml:edupersonentitlement',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.8': 'saml:edupersonprimaryorgunitdn',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.9': 'saml:edupersonscopedaffiliation',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.10': 'saml:edupersontargetedid',
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.11': 'saml:edupersonassurance',
  'urn:oid:2.5.4.3': 'saml:cn',
  'urn:oid:2.5.4.4': 'saml:surname',
  'urn:oid:2.5.4.41': 'saml:name',
  'urn:oid:2.5.4.42': 'saml:givenName',
  'urn:oid:2.5.4.45': 'saml:x500UniqueIdentifier',
  'urn:oid:0.9.2342.19200300.100.1.1': 'saml:uid',
  'urn:oid:0.9.2342.19200300.100.1.3': 'saml:mail',
};

const rejected = (why: string) => new IDPRejectedClaim(why);

/** The one value of a single-valued attribute, or undefined when absent. */
function single(claims: SamlClaims, name: string): string | undefined {
  const values = claims.attributes.get(name);
  if (values === undefined) return undefined;
  if (values.length !== 1) throw rejected(`The attribute ${name} must have exactly one value.`);
  return values[0];
}

/** Whether the Role attribute offers this role with this provider ("role,provider" in either order). */
function offersRole(claims: SamlClaims, roleArn: string, providerArn: string): boolean {
  const values = claims.attributes.get(ROLE);
  if (!values?.length) throw rejected(`The assertion has no ${ROLE} attribute.`);
  return values.some((value) => {
    const parts = value.split(',').map((part) => part.trim());
    return parts.length === 2 && parts.includes(roleArn) && parts.includes(providerArn);
  });
}

/** Session tags from PrincipalTag:KEY attributes, and the keys TransitiveTagKeys passes on (IAM UG, "Passing session tags using AssumeRoleWithSAML"). */
function sessionTags(claims: SamlClaims): { tags: Record<string, string>; transitive: string[] } {
  const tags: Record<string, string> = {};
  const lower = new Map<string, string>();
  for (const name of claims.attributes.keys()) {
    if (!name.startsWith(PRINCIPAL_TAG)) continue;
    const key = name.slice(PRINCIPAL_TAG.length);
    const value = single(claims, name) ?? '';
    if (!TAG_KEY.test(key) || !TAG_VALUE.test(value)) throw rejected(`The session tag ${key} is not a valid tag key and value.`);
    if (lower.has(key.toLowerCase())) throw rejected('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    lower.set(key.toLowerCase(), key);
    tags[key] = value;
  }
  if (lower.size > MAX_SESSION_TAGS) throw rejected(`A session may have at most ${MAX_SESSION_TAGS} tags.`);
  const transitive = (claims.attributes.get(TRANSITIVE_TAG_KEYS) ?? []).map((key) => {
    const own = lower.get(key.toLowerCase());
    if (own === undefined) throw rejected(`The transitive tag key ${key} is not among the session tags.`);
    return own;
  });
  return { tags, transitive };
}

/** How long the session lasts: the request's or the assertion's duration, within the role's maximum and the IdP's session limit. */
function sessionDuration(claims: SamlClaims, requested: number | undefined, roleMax: number, now: number): number {
  if (requested !== undefined && requested > roleMax) throw new ValidationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  const text = single(claims, SESSION_DURATION);
  let duration = requested ?? DEFAULT_DURATION;
  if (text !== undefined) {
    const attribute = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(attribute >= 900 && attribute <= 43200)) throw rejected(`${SESSION_DURATION} must be a number of seconds from 900 to 43200.`);
    duration = Math.min(requested ?? roleMax, attribute);
  }
  if (claims.sessionNotOnOrAfter !== undefined) {
    const left = Math.floor((claims.sessionNotOnOrAfter - now) / 1000);
    if (left <= 0) throw new ExpiredToken('Token is expired.');
    duration = Math.min(duration, left);
  }
  return duration;
}

/** The saml: condition keys of an assertion (IAM UG, "Available keys for SAML-based AWS STS federation"). */
function samlContext(claims: SamlClaims, nameQualifier: string, doc: string): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {
    'saml:aud': claims.recipient,
    'saml:iss': claims.issuer,
    'saml:sub': claims.subject,
    'saml:sub_type': claims.subjectType,
    'saml:namequalifier': nameQualifier,
    'saml:doc': doc,
  };
  for (const [name, values] of claims.attributes) {
    const key = ATTRIBUTE_KEYS[name];
    if (key !== undefined && values.length > 0) context[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return context;
}

/** Trades a signed SAML assertion for credentials of a role that trusts its provider. */
export const AssumeRoleWithSAML: Handler<Input<AssumeRoleWithSAMLRequest>, AssumeRoleWithSAMLResponse> = async (input, context) => {
  const { config, store, clock } = context;
  const denied = (action = 'sts:AssumeRoleWithSAML') => new AccessDenied(`Not authorized to perform ${action}`);
  const role = await findRole(store.db, config.partition, input.RoleArn, () => denied());
  // The provider must be the role's account's: a trust policy can only name providers of its own account.
  const provider = await findSamlProvider(store.db, config.partition, input.PrincipalArn);
  if (!provider || provider.account_id !== role.accountId) throw new InvalidIdentityToken(`SAML provider ${input.PrincipalArn} does not exist in the account of role ${input.RoleArn}.`);
  const now = clock.now();
  if (Date.parse(provider.valid_until) <= now) throw new InvalidIdentityToken(`The metadata of SAML provider ${provider.arn} is no longer valid (ValidUntil has passed).`);

  // The certificates are a JSON array of PEM that only saml-providers.ts writes.
  const certificates = JSON.parse(provider.certificates) as string[];
  const claims = verifySamlResponse(
    input.SAMLAssertion,
    { entityId: provider.entity_id, certificates, decryptionKeys: openPrivateKeys(provider, context.sealer), encryptionRequired: provider.assertion_encryption_mode === 'Required' },
    now,
  );
  if (!offersRole(claims, input.RoleArn, input.PrincipalArn)) throw denied();
  const sessionName = single(claims, ROLE_SESSION_NAME);
  if (sessionName === undefined || !SESSION_NAME.test(sessionName)) throw rejected(`${ROLE_SESSION_NAME} is required and must be 2 to 64 characters of [\\w+=,.@-].`);
  const sourceIdentity = single(claims, SOURCE_IDENTITY);
  if (sourceIdentity !== undefined && (!SESSION_NAME.test(sourceIdentity) || /^aws:/i.test(sourceIdentity))) throw rejected(`${SOURCE_IDENTITY} must be 2 to 64 characters of [\\w+=,.@-], not beginning with aws:.`);
  const { tags, transitive } = sessionTags(claims);
  const duration = sessionDuration(claims, input.DurationSeconds, role.maxSessionDuration, now);

  // AWS's NameQualifier: BASE64(SHA1(issuer + account id + "/" + provider name)) (STS API, "AssumeRoleWithSAML": NameQualifier).
  const nameQualifier = createHash('sha1').update(`${claims.issuer}${role.accountId}/${provider.name}`).digest('base64');
  const tagKeys = Object.keys(tags);
  const requestContext: Record<string, ContextValue> = {
    ...context.requestContext,
    ...samlContext(claims, nameQualifier, `${role.accountId}/${provider.name}`),
    'sts:RoleSessionName': sessionName,
    ...(sourceIdentity !== undefined && { 'sts:SourceIdentity': sourceIdentity }),
    ...(tagKeys.length > 0 && { 'aws:TagKeys': tagKeys, 'sts:TransitiveTagKeys': transitive }),
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
  };
  // The trust policy alone decides: the caller has no identity policies, only the provider's name (Federated).
  const trust = compile({ identity: [], resource: { name: `${role.arn}#trust`, document: role.trustPolicy, kind: 'trust' } });
  const allows = (action: string) => evaluate({ principal: provider.arn, action, resource: role.arn, context: requestContext }, trust).decision === 'Allow';
  if (!allows('sts:AssumeRoleWithSAML')) throw denied();
  // Session tags and a source identity need permissions of their own (IAM UG, "Passing session tags in AWS STS").
  if (tagKeys.length > 0 && !allows('sts:TagSession')) throw denied('sts:TagSession');
  if (sourceIdentity !== undefined && !allows('sts:SetSourceIdentity')) throw denied('sts:SetSourceIdentity');

  const session = await startRoleSession(context, role, {
    name: sessionName,
    durationSeconds: duration,
    policy: input.Policy,
    policyArns: input.PolicyArns,
    tags,
    transitiveTagKeys: transitive,
    sourceIdentity,
  });
  return {
    ...session,
    Audience: claims.recipient,
    Issuer: claims.issuer,
    NameQualifier: nameQualifier,
    Subject: claims.subject,
    SubjectType: claims.subjectType,
    ...(sourceIdentity !== undefined && { SourceIdentity: sourceIdentity }),
  };
};
