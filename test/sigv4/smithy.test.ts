/**
 * Differential tests against @smithy/signature-v4, the signer of the AWS SDK for JavaScript v3:
 * random requests signed by smithy (in the Authorization header, and presigned) verify with ours,
 * and any change to what was signed makes them fail.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { verifyRequest, type SignedRequest } from '../../src/sigv4/index.js';

const NOW = Date.UTC(2026, 2, 14, 9, 26, 53);
const clock = new ManualClock(NOW);
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const lookup = async (id: string) => (id === credentials.accessKeyId ? { secretAccessKey: credentials.secretAccessKey, key: id } : undefined);
const RUNS = 1000;
const SEED = 20150830;

// smithy's escapeUri: RFC 3986, everything but unreserved characters percent-encoded.
const escape = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

// Characters where encodings go wrong: reserved and sub-delims, '%' and '+', spaces, non-ASCII of
// 2, 3 and 4 UTF-8 bytes, plus random code points.
const tricky = fc.constantFrom(' ', '+', '%', '%41', '%zz', '&', '=', ';', ',', ':', '@', '$', '~', '!', "'", '(', ')', '*', '[', ']', 'é', 'ሴ', '😀', '.', '-', '_');
const text = fc.array(fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 3 }), fc.string({ maxLength: 4 })), { maxLength: 5 }).map((parts) => parts.join(''));

// Path segments may not hold '/', and a real server never sees '?' or '#' in the path.
const segment = fc.oneof(fc.constantFrom('', '.', '..', 'iam', 'a b'), text.map((s) => s.replace(/[/?#]/g, '')));
const path = fc.record({ segments: fc.array(segment, { maxLength: 5 }), trailing: fc.boolean(), encoded: fc.boolean() }).map(({ segments, trailing, encoded }) => {
  // Either as an SDK sends it (each segment already percent-encoded) or raw, as AWS's vectors do.
  const parts = encoded ? segments.map(escape) : segments;
  return '/' + parts.join('/') + (trailing && parts.length > 0 ? '/' : '');
});

const queryKey = text.filter((k) => !k.toLowerCase().startsWith('x-amz-') && k !== '__proto__');
const query = fc.array(fc.tuple(queryKey, fc.oneof(fc.constant(''), text)), { maxLength: 6 });

const PRINTABLE = fc.string({ unit: fc.constantFrom(...' \t\t  abcXYZ019"\',;=:/()!~-_.'.split('')), maxLength: 12 });
const trimmedValue = PRINTABLE.map((s) => s.trim()).filter((s) => s !== '');
const headerName = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/).filter((n) => !n.startsWith('x-amz') && !['host', 'date', 'authorization', 'expect'].includes(n)),
  fc.constantFrom('x-amz-target', 'x-amz-meta-a', 'user-agent', 'x-amzn-trace-id', 'content-type', 'my-header1'),
);
// A header holds one value (odd spacing kept) or several header lines (values without edge spaces).
const headerValue = fc.oneof(PRINTABLE, fc.array(trimmedValue, { minLength: 2, maxLength: 3 }));
const headers = fc.uniqueArray(fc.tuple(headerName, headerValue, fc.boolean()), { selector: ([name]) => name, maxLength: 5 });

const body = fc.oneof(fc.constant(''), text, fc.uint8Array({ maxLength: 64 }));

const requestShape = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'),
  path,
  query,
  headers,
  body,
  host: fc.constantFrom('example.amazonaws.com', 'localhost:8080', 'IAM.Example.com'),
  region: fc.constantFrom('us-east-1', 'us-nyc', 'eu-west-3'),
  service: fc.constantFrom('iam', 'sts', 'service'),
  sessionToken: fc.option(fc.string({ unit: fc.constantFrom(...'ABCabc019+/='.split('')), minLength: 1, maxLength: 40 }), { nil: undefined }),
  // Whole seconds, because X-Amz-Date has no fraction.
  offsetSeconds: fc.integer({ min: -899, max: 899 }),
  wire: fc.record({ plusForSpace: fc.boolean(), lowerHex: fc.boolean(), bareEmpty: fc.boolean(), shuffle: fc.boolean() }),
});
type Shape = typeof requestShape extends fc.Arbitrary<infer T> ? T : never;
/** A request as smithy's sign and presign return it. */
type Signed = Awaited<ReturnType<SignatureV4['presign']>>;

function smithyRequest(shape: Shape): HttpRequest {
  const q: Record<string, string | string[]> = {};
  for (const [key, value] of shape.query) {
    const prior = q[key];
    q[key] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  const h: Record<string, string> = { Host: shape.host };
  for (const [name, value, upper] of shape.headers) {
    // smithy sees names in any case and one string per header, as an SDK builds them.
    h[upper ? name.toUpperCase() : name] = typeof value === 'string' ? value : value.join(',');
  }
  return new HttpRequest({ method: shape.method, protocol: 'https:', hostname: 'example.amazonaws.com', path: shape.path, query: q, headers: h, body: shape.body });
}

// The query string as it goes on the wire, varied in ways that must not change its meaning.
function wireQuery(query: Signed['query'], wire: Shape['wire']): string {
  const pieces: string[] = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    for (const v of value === null ? [] : Array.isArray(value) ? value : [value]) {
      pieces.push(wire.bareEmpty && v === '' && key !== '' ? encodeWire(key, wire) : `${encodeWire(key, wire)}=${encodeWire(v, wire)}`);
    }
  }
  if (wire.shuffle) pieces.reverse();
  return pieces.join('&');
}

function encodeWire(s: string, wire: Shape['wire']): string {
  let out = escape(s);
  if (wire.plusForSpace) out = out.replace(/%20/g, '+');
  if (wire.lowerHex) out = out.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  return out;
}

// What a server receives: Node's lower-case header names; repeated header lines as arrays.
function wireRequest(signed: Signed, shape: Shape): SignedRequest {
  const headersOut: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(signed.headers)) headersOut[name.toLowerCase()] = value;
  for (const [name, value] of shape.headers) {
    if (Array.isArray(value) && headersOut[name] !== undefined) headersOut[name] = value;
  }
  return { method: signed.method, path: signed.path, query: wireQuery(signed.query, shape.wire), headers: headersOut, body: shape.body };
}

function signerFor(shape: Shape, applyChecksum = true): SignatureV4 {
  const creds = shape.sessionToken === undefined ? credentials : { ...credentials, sessionToken: shape.sessionToken };
  return new SignatureV4({ credentials: creds, region: shape.region, service: shape.service, sha256: Sha256, applyChecksum });
}

async function codeOf(request: SignedRequest): Promise<string> {
  try {
    await verifyRequest(request, lookup, { clock });
    return 'verified';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

function flipHex(hex: string, at: number): string {
  const i = at % hex.length;
  const c = hex[i] === '0' ? '1' : '0';
  return hex.slice(0, i) + c + hex.slice(i + 1);
}

// Every way of changing a signed part of the request, each expected to break the signature.
function tamperings(request: SignedRequest, signedHeaders: readonly string[], at: number): [string, SignedRequest][] {
  const withBody = typeof request.body === 'string' ? request.body + 'x' : Uint8Array.from([...request.body, 0x78]);
  const changeable = signedHeaders.filter((n) => n !== 'x-amz-date' && n !== 'x-amz-content-sha256');
  const name = changeable[at % changeable.length] ?? 'host';
  const value = request.headers[name];
  const changed = typeof value === 'string' || value === undefined ? `${value ?? ''}x` : [...value.slice(0, -1), `${value[value.length - 1] ?? ''}x`];
  return [
    ['method', { ...request, method: request.method === 'GET' ? 'POST' : 'GET' }],
    ['path', { ...request, path: request.path + '/zz' }],
    ['query', { ...request, query: request.query === '' ? 'tampered=1' : `${request.query}&tampered=1` }],
    ['body', { ...request, body: withBody }],
    [`header ${name}`, { ...request, headers: { ...request.headers, [name]: changed } }],
  ];
}

describe('requests signed by smithy in the Authorization header', () => {
  it('verify, and fail with SignatureDoesNotMatch once anything signed is changed', async () => {
    await fc.assert(
      fc.asyncProperty(requestShape, fc.boolean(), fc.nat(), async (shape, applyChecksum, at) => {
        const signed = await signerFor(shape, applyChecksum).sign(smithyRequest(shape), { signingDate: new Date(NOW + shape.offsetSeconds * 1000) });
        const request = wireRequest(signed, shape);
        const verified = await verifyRequest(request, lookup, { clock, services: ['iam', 'sts', 'service'] });
        expect(verified).toMatchObject({ accessKeyId: credentials.accessKeyId, region: shape.region, service: shape.service, presigned: false, securityToken: shape.sessionToken });
        expect(verified.signedAt).toBe(NOW + shape.offsetSeconds * 1000);

        const authorization = String(request.headers['authorization']);
        const signature = /Signature=([0-9a-f]{64})/.exec(authorization)?.[1] ?? '';
        const signedHeaders = (/SignedHeaders=([^,]+)/.exec(authorization)?.[1] ?? '').split(';');
        const badSignature = { ...request, headers: { ...request.headers, authorization: authorization.replace(signature, flipHex(signature, at)) } };
        expect(await codeOf(badSignature)).toBe('SignatureDoesNotMatch');
        for (const [what, tampered] of tamperings(request, signedHeaders, at)) {
          // With x-amz-content-sha256 sent, a changed body is caught before the signature is checked.
          const expected = what === 'body' && request.headers['x-amz-content-sha256'] !== undefined ? 'XAmzContentSHA256Mismatch' : 'SignatureDoesNotMatch';
          expect([what, await codeOf(tampered)]).toEqual([what, expected]);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('URLs presigned by smithy', () => {
  it('verify, and fail with SignatureDoesNotMatch once anything signed is changed', async () => {
    await fc.assert(
      fc.asyncProperty(requestShape, fc.integer({ min: 1, max: 604_800 }), fc.nat(), async (shape, expiresIn, at) => {
        // Signed at most 15 minutes ahead, and still within X-Amz-Expires.
        const offsetSeconds = Math.max(shape.offsetSeconds, -expiresIn);
        const presigned = await signerFor(shape).presign(smithyRequest(shape), { signingDate: new Date(NOW + offsetSeconds * 1000), expiresIn });
        const request = wireRequest(presigned, shape);
        const verified = await verifyRequest(request, lookup, { clock });
        expect(verified).toMatchObject({ presigned: true, region: shape.region, service: shape.service, securityToken: shape.sessionToken });
        expect(verified.expiresAt).toBe(NOW + (offsetSeconds + expiresIn) * 1000);

        const signature = String(presigned.query?.['X-Amz-Signature']);
        const badSignature = { ...request, query: request.query.replace(`X-Amz-Signature=${signature}`, `X-Amz-Signature=${flipHex(signature, at)}`) };
        expect(await codeOf(badSignature)).toBe('SignatureDoesNotMatch');
        const signedHeaders = String(presigned.query?.['X-Amz-SignedHeaders']).split(';');
        for (const [what, tampered] of tamperings(request, signedHeaders, at)) {
          expect([what, await codeOf(tampered)]).toEqual([what, 'SignatureDoesNotMatch']);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
