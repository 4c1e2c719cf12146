/**
 * The public face of each account's outbound federation issuer: the OpenID discovery document and
 * the JSON Web Key Set under `<server URL>/accounts/<account>` (OpenID Connect Discovery 1.0, §4;
 * RFC 7517), unauthenticated, as every outside verifier fetches them. They are served while the
 * account has an issuer, enabled or not: disabling stops new tokens, not the verification of
 * tokens already issued (IAM API, "DisableOutboundWebIdentityFederation").
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { outboundFederation } from '../iam/outbound-federation.js';
import type { Store } from '../store/store.js';

const ACCOUNT_ID = /^\d{12}$/;
// Verifiers cache keys; a short lifetime lets a changed set reach them soon.
const CACHE_CONTROL = 'public, max-age=300';

async function issuerOf(store: Store, accountId: string) {
  return ACCOUNT_ID.test(accountId) ? outboundFederation(store.db, accountId) : undefined;
}

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).header('content-type', 'application/json').send({ error: 'not_found' });
}

/** Adds the discovery and JWKS routes of every account's issuer. */
export function registerFederationRoutes(app: FastifyInstance, options: { store: Store }): void {
  const { store } = options;
  app.get<{ Params: { accountId: string } }>('/accounts/:accountId/.well-known/openid-configuration', async (request, reply) => {
    const federation = await issuerOf(store, request.params.accountId);
    if (!federation) return notFound(reply);
    return reply
      .header('content-type', 'application/json')
      .header('cache-control', CACHE_CONTROL)
      .send({
        issuer: federation.issuer,
        jwks_uri: `${federation.issuer}/.well-known/jwks.json`,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: federation.keys.map((key) => key.alg),
        claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'https://sts.amazonaws.com/'],
      });
  });
  app.get<{ Params: { accountId: string } }>('/accounts/:accountId/.well-known/jwks.json', async (request, reply) => {
    const federation = await issuerOf(store, request.params.accountId);
    if (!federation) return notFound(reply);
    return reply
      .header('content-type', 'application/json')
      .header('cache-control', CACHE_CONTROL)
      .send({ keys: federation.keys.map((key) => key.publicJwk) });
  });
}
