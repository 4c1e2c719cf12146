/**
 * Verification of a Signature Version 4 request, signed in the Authorization header or presigned
 * in the query. Pure but for the key lookup and the clock it is given.
 */
import type { Clock } from '../shared/clock.js';
import { canonicalRequest, credentialScope, parseQuery, sha256Hex, stringToSign, type QueryParam } from './canonical.js';
import {
  IncompleteSignature,
  InvalidClientTokenId,
  MissingAuthenticationToken,
  RequestExpired,
  SignatureDoesNotMatch,
  XAmzContentSHA256Mismatch,
  echo,
  messages,
} from './errors.js';
import { formatAmzDate, hasQueryAuth, parseAmzDate, parseAuthorizationHeader, parsePresignedQuery, singleHeader, type AuthParams, type Headers } from './parse.js';
import { deriveSigningKey, signingKey, SigningKey } from './signing-key.js';

/** A request as received: nothing decoded, the body exactly as its bytes arrived. */
export interface SignedRequest {
  readonly method: string;
  /** The raw path as received, without the query (`/` for IAM and STS). */
  readonly path: string;
  /** The raw query string without '?', possibly ''. */
  readonly query: string;
  /** Headers by lower-case name; an array holds the values of repeated header lines. */
  readonly headers: Headers;
  readonly body: string | Uint8Array;
}

/** Finds the secret of an access key id; undefined if the key is unknown or inactive. */
export interface KeyLookup<K> {
  (accessKeyId: string): Promise<{ secretAccessKey: string; key: K } | undefined>;
}

/** A request whose signature holds, and what it was signed with. */
export interface Verified<K> {
  /** Whatever the key lookup returned alongside the secret. */
  readonly key: K;
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
  /** The signing time, in milliseconds since the epoch. */
  readonly signedAt: number;
  /** X-Amz-Security-Token from the header or the query; checking it against a session is the caller's job. */
  readonly securityToken: string | undefined;
  readonly presigned: boolean;
  /** When a presigned URL stops being valid, in milliseconds since the epoch. */
  readonly expiresAt?: number;
}

/** How strict verification is. */
export interface VerifyOptions {
  readonly clock: Clock;
  /** How far the signing time may be from now, either way. Default 15 minutes, as AWS. */
  readonly maxSkewMs?: number;
  /** The services a credential scope may name, e.g. `['iam', 'sts']`; any if absent. */
  readonly services?: readonly string[];
}

const DEFAULT_SKEW_MS = 15 * 60_000;
const AMZ_DATE_DAY = /^\d{8}$/;
const ACCESS_KEY_ID = /^[A-Za-z0-9]{1,128}$/;
// Region and service names are ours to define (e.g. us-nyc), so only their characters are checked.
const SCOPE_NAME = /^[A-Za-z0-9._-]{1,64}$/;
// The value of each lower-case hex digit; anything else is 0x100, which no byte's half equals.
const HEX_VALUE = new Uint16Array(128).fill(0x100);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
const PRINTABLE = /^[\t\x20-\x7e]*$/;
// Used to spend the same HMAC work for an unknown key id as for a known one.
const DUMMY_SECRET = 'deployport-dummy-secret-for-unknown-keys';

/**
 * Verifies a SigV4-signed request and returns who signed it, or throws one of the errors of
 * ./errors.js with the code AWS would answer.
 * @example
 * const verified = await verifyRequest({ method, path, query, headers, body }, lookupKey, { clock: systemClock, services: ['iam', 'sts'] });
 */
export async function verifyRequest<K>(request: SignedRequest, lookup: KeyLookup<K>, options: VerifyOptions): Promise<Verified<K>> {
  const query = parseQuery(request.query);
  const auth = readAuth(request.headers, query);
  const [accessKeyId, date, region, service] = checkScope(auth, options.services);
  const signedAt = checkTime(auth, options.clock.now(), options.maxSkewMs ?? DEFAULT_SKEW_MS);
  const securityToken = readSecurityToken(request.headers, query);
  const payloadHash = checkPayloadHash(request, auth.presigned ? query : []);
  // Node reads header bytes as Latin-1 while signers hash UTF-8, so a non-ASCII value could never
  // match; RELIABILITY 3B.20 wants control characters and non-ASCII refused outright.
  for (const name of auth.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string' ? !PRINTABLE.test(value) : !value.every((v) => PRINTABLE.test(v))) throw new IncompleteSignature('Signed header values must be printable ASCII.');
  }

  const canonical = canonicalRequest({
    method: request.method,
    path: request.path,
    query: auth.signedQuery,
    headers: request.headers,
    signedHeaders: auth.signedHeaders,
    payloadHash,
  });
  const toSign = stringToSign(auth.amzDate, credentialScope(date, region, service), canonical);

  const found = ACCESS_KEY_ID.test(accessKeyId) ? await lookup(accessKeyId) : undefined;
  if (found === undefined) {
    // Spend the HMAC work anyway, so that timing tells less about which key ids exist.
    new SigningKey(deriveSigningKey(DUMMY_SECRET, date, region, service)).sign(toSign);
    throw new InvalidClientTokenId(messages.invalidClientTokenId, { accessKeyId });
  }
  const expected = signingKey(found.secretAccessKey, date, region, service).sign(toSign);
  if (!sameSignature(expected, auth.signature)) {
    // The string to sign lets an operator compare with the client's. Not the canonical request:
    // it may hold a session token.
    throw new SignatureDoesNotMatch(messages.signatureDoesNotMatch, { accessKeyId, stringToSign: toSign });
  }

  const verified: Verified<K> = { key: found.key, accessKeyId, region, service, signedAt, securityToken, presigned: auth.presigned };
  return auth.expiresSeconds === undefined ? verified : { ...verified, expiresAt: signedAt + auth.expiresSeconds * 1000 };
}

/**
 * Whether `hex` is the lower-case hex form of `expected`, in time that depends on neither's value
 * (only on the length, which every signature shares): no early exit, no decoding allocation.
 */
function sameSignature(expected: Buffer, hex: string): boolean {
  if (hex.length !== expected.length * 2) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) {
    const byte = expected[i]!;
    difference |= (HEX_VALUE[hex.charCodeAt(2 * i) & 0x7f]! ^ (byte >> 4)) | (HEX_VALUE[hex.charCodeAt(2 * i + 1) & 0x7f]! ^ (byte & 15));
    // A character past ASCII must not pass for the ASCII one its low bits name.
    difference |= (hex.charCodeAt(2 * i) | hex.charCodeAt(2 * i + 1)) & ~0x7f;
  }
  return difference === 0;
}

function readAuth(headers: Headers, query: readonly QueryParam[]): AuthParams {
  const header = singleHeader(headers, 'authorization');
  const inQuery = hasQueryAuth(query);
  if (header === undefined && !inQuery) throw new MissingAuthenticationToken(messages.missingAuthentication);
  if (header !== undefined && inQuery) {
    throw new IncompleteSignature('Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.');
  }
  return header !== undefined ? parseAuthorizationHeader(header, headers, query) : parsePresignedQuery(query);
}

// The order of checks follows AWS's: a wrong terminator, day, region or service is reported as
// SignatureDoesNotMatch with a message naming the part, before any key is looked up.
function checkScope(auth: AuthParams, services: readonly string[] | undefined): readonly [string, string, string, string] {
  const [accessKeyId, date, region, service, terminator] = auth.credential;
  if (terminator !== 'aws4_request') {
    throw new SignatureDoesNotMatch(`Credential should be scoped with a valid terminator: 'aws4_request', not ${echo(terminator)}.`);
  }
  const day = auth.amzDate.slice(0, 8);
  if (parseAmzDate(auth.amzDate) === undefined) {
    throw new IncompleteSignature("Date must be in ISO-8601 'basic format', e.g. 20150830T123600Z.");
  }
  if (!AMZ_DATE_DAY.test(date) || date !== day) {
    throw new SignatureDoesNotMatch(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ${echo(date)} != '${day}', from '${auth.amzDate}'.`,
    );
  }
  if (!SCOPE_NAME.test(region)) throw new SignatureDoesNotMatch('Credential should be scoped to a valid region.');
  if (!SCOPE_NAME.test(service) || (services !== undefined && !services.includes(service))) {
    const expected = services === undefined ? '' : `: ${services.map((s) => `'${s}'`).join(' or ')}`;
    throw new SignatureDoesNotMatch(`Credential should be scoped to correct service${expected}.`);
  }
  return [accessKeyId, date, region, service];
}

// AWS's Common Errors page: RequestExpired when the date stamp is more than 15 minutes away from
// now either way, or a presigned URL is past X-Amz-Expires. Exactly at the limit is still in time.
function checkTime(auth: AuthParams, now: number, skewMs: number): number {
  const signedAt = parseAmzDate(auth.amzDate) ?? NaN;
  const minutes = `${skewMs / 60_000} min.`;
  if (signedAt - now > skewMs) {
    throw new RequestExpired(
      `Signature not yet current: ${auth.amzDate} is still later than ${formatAmzDate(now + skewMs)} (${formatAmzDate(now)} + ${minutes})`,
    );
  }
  if (auth.expiresSeconds !== undefined) {
    if (now > signedAt + auth.expiresSeconds * 1000) throw new RequestExpired(messages.requestExpired);
  } else if (now - signedAt > skewMs) {
    throw new RequestExpired(
      `Signature expired: ${auth.amzDate} is now earlier than ${formatAmzDate(now - skewMs)} (${formatAmzDate(now)} - ${minutes})`,
    );
  }
  return signedAt;
}

function readSecurityToken(headers: Headers, query: readonly QueryParam[]): string | undefined {
  const header = singleHeader(headers, 'x-amz-security-token');
  const inQuery = query.filter((p) => p.name === 'X-Amz-Security-Token');
  if (inQuery.length > 1) throw new IncompleteSignature("The query-string parameter 'X-Amz-Security-Token' must appear once.");
  const fromQuery = inQuery[0]?.value;
  if (header !== undefined && fromQuery !== undefined && header !== fromQuery) {
    throw new IncompleteSignature('The request has different security tokens in the header and the query string.');
  }
  return header ?? fromQuery;
}

// The payload hash is x-amz-content-sha256 when the client sent one (smithy also hoists it into a
// presigned query), else the hash of the body. A claimed hash must be the body's: otherwise a
// signature would cover a body other than the one executed. UNSIGNED-PAYLOAD is accepted only
// for an empty body, where it leaves nothing unsigned.
function checkPayloadHash(request: SignedRequest, presignedQuery: readonly QueryParam[]): string {
  const claimed = singleHeader(request.headers, 'x-amz-content-sha256') ?? presignedQuery.find((p) => p.name === 'X-Amz-Content-Sha256')?.value;
  const actual = sha256Hex(request.body);
  if (claimed === undefined) return actual;
  if (/^[0-9a-fA-F]{64}$/.test(claimed)) {
    if (claimed.toLowerCase() !== actual) throw new XAmzContentSHA256Mismatch(messages.contentSha256Mismatch);
    return claimed;
  }
  if (claimed === 'UNSIGNED-PAYLOAD' && request.body.length === 0) return claimed;
  throw new IncompleteSignature('x-amz-content-sha256 must be the hex SHA-256 of the body; unsigned and streaming payloads are not accepted.');
}

