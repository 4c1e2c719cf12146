/**
 * AssumeRoleWithWebIdentity (STS API, "AssumeRoleWithWebIdentity"; IAM UG, "OIDC federation"). The
 * call is unsigned: the OpenID Connect ID token is the proof. Its issuer must be an OIDC provider
 * registered in the role's account that lists the token's audience, its signature must verify with
 * the issuer's published keys, and the role's trust policy alone decides, with the provider as the
 * federated principal and the token's claims as condition keys.
 */
import type { AssumeRoleWithWebIdentityRequest, AssumeRoleWithWebIdentityResponse } from '@aws-sdk/client-sts';
import { decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import { AccessDenied } from '../authz/errors.js';
import type { Handler, Input } from '../iam/context.js';
import { ValidationError } from '../iam/errors.js';
import { compile, evaluate, type ContextValue, type Decision } from '../policy/index.js';
import type { Db } from '../store/store.js';
import { findRole } from './assume-role.js';
import { ExpiredTokenException, InvalidIdentityToken } from './errors.js';
import { issuerKeys } from './jwks.js';
import { startRoleSession } from './sessions.js';

/** The asymmetric algorithms issuers sign ID tokens with; never `none`, nor an HMAC whose secret would be shared. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];
/** IAM allows five minutes of clock skew around a token's times (IAM UG, "OIDC federation"). */
const CLOCK_TOLERANCE_SECONDS = 300;
/** The claim that sets a session's source identity (IAM UG, "Monitor and control actions taken with assumed roles"). */
const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';
const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;
const ACTION = 'sts:AssumeRoleWithWebIdentity';


/** A registered OIDC provider, as a token's issuer finds it. */
interface Provider {
  readonly arn: string;
  /** Host and path, as registered: the prefix of its condition keys and its name in trust policies. */
  readonly url: string;
  readonly clientIds: readonly string[];
}

/** The provider registered for an issuer in the role's account; AWS's message when there is none. */
async function findProvider(db: Db, accountId: string, issuer: string): Promise<Provider> {
  const url = providerUrl(issuer);
  const row = url === undefined ? undefined : await db.selectFrom('oidc_providers').select(['arn', 'url', 'client_ids']).where('account_id', '=', accountId).where('url', '=', url).executeTakeFirst();
  if (!row) throw new InvalidIdentityToken(`No OpenIDConnect provider found in your account for ${issuer}`);
  return { arn: row.arn, url: row.url, clientIds: JSON.parse(row.client_ids) as string[] };
}

/** An issuer as providers are registered (src/iam/oidc-providers.ts): https, host lower-cased, no trailing slash. */
function providerUrl(issuer: string): string | undefined {
  if (!URL.canParse(issuer)) return undefined;
  const url = new URL(issuer);
  if (url.protocol !== 'https:' || url.port !== '' || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return undefined;
  return url.host + url.pathname.replace(/\/+$/, '');
}

/** The token's claims, once its signature, issuer and times check out. */
async function verifyToken(token: string, issuer: string, now: number): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, await issuerKeys(issuer), {
      issuer,
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: new Date(now),
      requiredClaims: ['sub', 'aud', 'exp'],
    });
    return payload;
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      throw new ExpiredTokenException(`Token expired: current date/time ${Math.floor(now / 1000)} must be before the expiration date/time ${String(error.payload.exp)}`);
    }
    // Errors of the issuer's side come from jwks.ts already as IDPCommunicationError or InvalidIdentityToken.
    if (error instanceof errors.JOSEError) throw new InvalidIdentityToken(`The web identity token is not valid: ${error.message}`, error);
    throw error;
  }
}

/**
 * The client id the token was issued to, if the provider lists it. `azp` comes first: where a token
 * has one (Google's do) it names the client, and `aud` the other audiences (IAM UG, "Available keys
 * for OIDC federation").
 */
function audienceOf(payload: JWTPayload, clientIds: readonly string[]): string | undefined {
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
  const candidates = typeof payload['azp'] === 'string' ? [payload['azp'], ...audiences] : audiences;
  return candidates.find((candidate) => clientIds.includes(candidate));
}

/** The source identity the token sets, if any. */
function sourceIdentityOf(payload: JWTPayload): string | undefined {
  const value = payload[SOURCE_IDENTITY_CLAIM];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !SOURCE_IDENTITY.test(value)) throw new InvalidIdentityToken(`The ${SOURCE_IDENTITY_CLAIM} claim must be 2 to 64 characters of [\\w+=,.@-].`);
  return value;
}

/** The token's claims as the condition keys IAM gives them: `<provider>:aud`, `:sub`, `:amr`, `:oaud`. */
function claimKeys(provider: Provider, payload: JWTPayload, audience: string): Record<string, ContextValue> {
  const keys: Record<string, ContextValue> = { [`${provider.url}:aud`]: audience, [`${provider.url}:sub`]: payload.sub ?? '' };
  const amr = payload['amr'];
  // Multi-valued: the methods the user authenticated with (Cognito's `authenticated`, an identity pool…).
  if (typeof amr === 'string' || (Array.isArray(amr) && amr.every((v: unknown) => typeof v === 'string'))) keys[`${provider.url}:amr`] = amr as string | string[];
  if (typeof payload['azp'] === 'string' && payload.aud !== undefined) keys[`${provider.url}:oaud`] = payload.aud;
  return keys;
}

/**
 * The trust policy's decision for the provider's tokens. Trust policies name an IAM OIDC provider
 * by its ARN (IAM UG, "Create a role for OpenID Connect federation"); the bare host, as they name
 * Google or Cognito, is honoured too, every provider here being a registered one. Both are asked,
 * and a Deny naming either wins.
 */
function trustDecision(role: { arn: string; trustPolicy: string }, provider: Provider, action: string, context: Record<string, ContextValue>): Decision {
  const compiled = compile({ identity: [], resource: { name: `${role.arn}#trust`, document: role.trustPolicy, kind: 'trust' } });
  const decisions = [provider.arn, provider.url].map((principal) => evaluate({ principal, action, resource: role.arn, context }, compiled));
  return decisions.find((d) => d.decision === 'ExplicitDeny') ?? decisions.find((d) => d.decision === 'Allow') ?? { decision: 'ImplicitDeny', matched: [], missing: ['resource'] };
}

export const AssumeRoleWithWebIdentity: Handler<Input<AssumeRoleWithWebIdentityRequest>, AssumeRoleWithWebIdentityResponse> = async (input, context) => {
  const { config, store, clock } = context;
  // The caller is anonymous (or whoever signed, which changes nothing): the token is the proof.
  const deny = (decision?: Decision) => new AccessDenied(`Not authorized to perform ${ACTION}`, decision);
  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(input.WebIdentityToken);
  } catch (error) {
    throw new InvalidIdentityToken('The web identity token is not a well-formed JWT.', error);
  }
  if (typeof unverified.iss !== 'string') throw new InvalidIdentityToken('The web identity token has no issuer (iss).');
  const role = await findRole(store.db, config.partition, input.RoleArn, () => deny());
  const provider = await findProvider(store.db, role.accountId, unverified.iss);
  const now = clock.now();
  const payload = await verifyToken(input.WebIdentityToken, unverified.iss, now);
  const audience = audienceOf(payload, provider.clientIds);
  if (audience === undefined) throw new InvalidIdentityToken('Incorrect token audience');

  const duration = input.DurationSeconds ?? 3600;
  if (duration > role.maxSessionDuration) throw new ValidationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  const sourceIdentity = sourceIdentityOf(payload);

  const keys: Record<string, ContextValue> = {
    ...context.requestContext,
    ...claimKeys(provider, payload, audience),
    'aws:FederatedProvider': provider.arn,
    'sts:RoleSessionName': input.RoleSessionName,
    ...(sourceIdentity !== undefined && { 'sts:SourceIdentity': sourceIdentity }),
  };
  // Setting a source identity is a permission of its own (IAM UG, "Permissions required to set source identity").
  for (const action of sourceIdentity === undefined ? [ACTION] : [ACTION, 'sts:SetSourceIdentity']) {
    const decision = trustDecision(role, provider, action, keys);
    if (decision.decision !== 'Allow') throw deny(decision);
  }

  const session = await startRoleSession(context, role, {
    name: input.RoleSessionName,
    durationSeconds: duration,
    policy: input.Policy,
    policyArns: input.PolicyArns,
    sourceIdentity,
  });
  return {
    ...session,
    SubjectFromWebIdentityToken: payload.sub,
    // AWS answers the provider's ARN here, though the API reference says the token's iss.
    Provider: provider.arn,
    Audience: audience,
    ...(sourceIdentity !== undefined && { SourceIdentity: sourceIdentity }),
  };
};
