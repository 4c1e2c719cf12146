/**
 * The signing keys of OpenID Connect issuers. An issuer's discovery document names its JSON Web Key
 * Set (OpenID Connect Discovery 1.0, §4); jose fetches that set, caches it, and fetches it again
 * when a token names a key it has not seen, which is how a key rotation reaches us. One set is kept
 * per issuer for the life of the process.
 */
import { createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey } from 'jose';
import { ServiceError } from '../shared/service-error.js';
import { IDPCommunicationError, InvalidIdentityToken } from './errors.js';

/** How issuers are reached. */
export interface IssuerTransport {
  /** Fetches one of an issuer's https:// URLs. */
  readonly fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** How long after a fetch of a key set a token naming an unknown key may cause another fetch. */
  readonly cooldownMs: number;
}

// AWS's words when an issuer's keys cannot be had.
const KEYS_UNAVAILABLE = "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements";
const UNREACHABLE = 'The identity provider could not be reached to verify the web identity token. Try again.';
const TIMEOUT_MS = 5000;

const DEFAULT_TRANSPORT: IssuerTransport = { fetch: (url, init) => globalThis.fetch(url, init), cooldownMs: 30_000 };
let transport = DEFAULT_TRANSPORT;
// Promises, so that concurrent first tokens of one issuer share one discovery.
const keySets = new Map<string, Promise<JWTVerifyGetKey>>();

/**
 * Replaces how issuers are reached (the defaults when called without options), and forgets every
 * key set fetched so far. The server only ever asks for the https:// URLs that providers are
 * registered with, as AWS requires; tests, whose issuer listens on loopback without TLS, pass a
 * fetch that takes those requests there.
 */
export function setIssuerTransport(options: Partial<IssuerTransport> = {}): void {
  transport = { ...DEFAULT_TRANSPORT, ...options };
  keySets.clear();
}

/** The key resolver of an issuer (an `iss` of a registered provider), for jose's `jwtVerify`. */
export function issuerKeys(issuer: string): Promise<JWTVerifyGetKey> {
  const known = keySets.get(issuer);
  if (known) return known;
  const keys = discover(issuer);
  keySets.set(issuer, keys);
  // A failed discovery is not kept: the next token tries again.
  void keys.catch(() => {
    if (keySets.get(issuer) === keys) keySets.delete(issuer);
  });
  return keys;
}

/** Reads the issuer's discovery document, and makes the resolver of the key set it names. */
async function discover(issuer: string): Promise<JWTVerifyGetKey> {
  const response = await fetchFromIssuer(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const document: unknown = await response.json().catch(() => undefined);
  const { issuer: named, jwks_uri: jwksUri } = (typeof document === 'object' && document !== null ? document : {}) as Record<string, unknown>;
  // The document must be the issuer's own (OpenID Connect Discovery 1.0, §4.3).
  if (named !== issuer || typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) throw new InvalidIdentityToken(KEYS_UNAVAILABLE, `bad discovery document at ${issuer}`);
  const remote = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: TIMEOUT_MS, cooldownDuration: transport.cooldownMs, [customFetch]: fetchFromIssuer });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      const failure = keySetFailure(error);
      // A key set that cannot be had may have moved: discover it afresh next time.
      if (failure instanceof ServiceError) keySets.delete(issuer);
      throw failure;
    }
  };
}

/** What a failure to get the key set is for the client; a token naming no key in it stays jose's error. */
function keySetFailure(error: unknown): unknown {
  if (error instanceof errors.JWKSTimeout) return new IDPCommunicationError(UNREACHABLE, error);
  // A body that is not JSON (jose's generic error) or not a key set.
  if (error instanceof errors.JWKSInvalid || (error instanceof errors.JOSEError && error.code === errors.JOSEError.code)) return new InvalidIdentityToken(KEYS_UNAVAILABLE, error);
  return error;
}

/**
 * Fetches from an issuer over https only. An issuer that cannot be reached, or fails on its side,
 * is IDPCommunicationError (a retryable error); one that refuses is InvalidIdentityToken.
 */
async function fetchFromIssuer(url: string, init: RequestInit): Promise<Response> {
  if (!url.startsWith('https://')) throw new InvalidIdentityToken(KEYS_UNAVAILABLE, `not an https URL: ${url}`);
  let response: Response;
  try {
    response = await transport.fetch(url, init);
  } catch (cause) {
    throw new IDPCommunicationError(UNREACHABLE, cause);
  }
  if (response.status >= 500) throw new IDPCommunicationError(UNREACHABLE, `HTTP ${response.status} from ${url}`);
  if (response.status !== 200) throw new InvalidIdentityToken(KEYS_UNAVAILABLE, `HTTP ${response.status} from ${url}`);
  return response;
}
