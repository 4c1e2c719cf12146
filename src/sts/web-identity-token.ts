/**
 * GetWebIdentityToken: a JWT that says who the caller is, signed with the account's outbound
 * federation key, for services outside that verify it through the account's discovery document and
 * JWKS (STS API Reference, "GetWebIdentityToken"; IAM UG, "Outbound identity federation").
 */
import { randomUUID } from 'node:crypto';
import type { GetWebIdentityTokenRequest, GetWebIdentityTokenResponse } from '@aws-sdk/client-sts';
import { importJWK, SignJWT, type JWK } from 'jose';
import type { Handler, Input, OperationContext } from '../iam/context.js';
import { ValidationError } from '../iam/errors.js';
import { outboundFederation, SIGNING_ALGORITHMS, type SigningAlgorithm } from '../iam/outbound-federation.js';
import { tagsOf } from '../iam/tags.js';
import { defineError } from '../shared/service-error.js';

// The model's errors of this operation only (STS API, "GetWebIdentityToken": Errors).
export const OutboundWebIdentityFederationDisabledException = defineError('OutboundWebIdentityFederationDisabledException', 403);
export const SessionDurationEscalationException = defineError('SessionDurationEscalationException', 403);
export const JWTPayloadSizeExceededException = defineError('JWTPayloadSizeExceededException', 400);

/** When DurationSeconds is absent (STS API, "GetWebIdentityToken": DurationSeconds). */
export const DEFAULT_TOKEN_SECONDS = 300;
/**
 * Largest claim set we sign. AWS names the error but not its limit; 50 tags of the largest size
 * fit, which is all a request can carry, so only principal tags can push a token past it.
 */
export const MAX_PAYLOAD_BYTES = 32 * 1024;

/** The namespace of AWS's own claims in the token, as AWS's tokens carry them. */
const AWS_CLAIMS = 'https://sts.amazonaws.com/';

const isAlgorithm = (value: string): value is SigningAlgorithm => (SIGNING_ALGORITHMS as readonly string[]).includes(value);

/** aws:PrincipalTag of the caller: the user's or role's tags, overridden by session tags. */
async function principalTags(context: OperationContext): Promise<Record<string, string>> {
  const { caller, store } = context;
  const kind = caller.type === 'user' ? 'user' : caller.type === 'assumed-role' ? 'role' : undefined;
  const stored = kind ? await tagsOf(store.db, kind, caller.entityId) : [];
  return { ...Object.fromEntries(stored.map((tag) => [tag.Key, tag.Value])), ...caller.session?.tags };
}

export const GetWebIdentityToken: Handler<Input<GetWebIdentityTokenRequest>, GetWebIdentityTokenResponse> = async (input, context) => {
  const { caller, clock, config } = context;
  if (!isAlgorithm(input.SigningAlgorithm)) {
    throw new ValidationError(`1 validation error detected: Value '${input.SigningAlgorithm}' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [${SIGNING_ALGORITHMS.join(', ')}]`);
  }
  const federation = await outboundFederation(context.store.db, caller.accountId);
  if (!federation?.enabled) throw new OutboundWebIdentityFederationDisabledException('Outbound web identity federation is disabled for this account.');
  const key = federation.keys.find((k) => k.alg === input.SigningAlgorithm);
  if (!key) throw new OutboundWebIdentityFederationDisabledException('Outbound web identity federation has no key for this algorithm.');

  const now = clock.now();
  const seconds = input.DurationSeconds ?? DEFAULT_TOKEN_SECONDS;
  const expiresAt = now + seconds * 1000;
  // A token may not outlive the temporary credentials that asked for it.
  if (caller.session && expiresAt > caller.session.expiresAt) {
    throw new SessionDurationEscalationException('The requested DurationSeconds exceeds the remaining duration of the calling session.');
  }

  const requestTags = Object.fromEntries((input.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
  const tags = await principalTags(context);
  const claims = {
    [AWS_CLAIMS]: {
      aws_account: caller.accountId,
      source_region: config.region,
      principal_id: caller.arn,
      ...(Object.keys(tags).length > 0 && { principal_tags: tags }),
      ...(Object.keys(requestTags).length > 0 && { request_tags: requestTags }),
    },
  };
  if (Buffer.byteLength(JSON.stringify(claims)) > MAX_PAYLOAD_BYTES) {
    throw new JWTPayloadSizeExceededException(`The token's claims exceed the maximum size of ${MAX_PAYLOAD_BYTES} bytes.`);
  }

  const privateKey = await importJWK(JSON.parse(context.sealer.open(key.privateSealed)) as JWK, key.alg);
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(federation.issuer)
    .setSubject(caller.principalArn)
    .setAudience(input.Audience.length === 1 && input.Audience[0] !== undefined ? input.Audience[0] : input.Audience)
    .setIssuedAt(Math.floor(now / 1000))
    .setNotBefore(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(expiresAt / 1000))
    .setJti(randomUUID())
    .sign(privateKey);
  return { WebIdentityToken: token, Expiration: new Date(Math.floor(expiresAt / 1000) * 1000) };
};
