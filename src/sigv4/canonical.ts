/**
 * The canonical request and the string to sign, as AWS defines them in "Create a canonical request
 * for Signature Version 4" (IAM User Guide, reference_sigv_create-signed-request.html) and as
 * @smithy/signature-v4 and botocore compute them for every service but S3.
 */
import * as crypto from 'node:crypto';

/** The only algorithm we verify. */
export const ALGORITHM = 'AWS4-HMAC-SHA256';

/** Hex SHA-256 of a string (as UTF-8) or of bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return oneShotHash !== undefined ? oneShotHash('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');
}

// crypto.hash (Node 20.12 and later) hashes a short input at half the cost of a Hash object.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string }).hash;

// RFC 3986 unreserved characters: A-Z a-z 0-9 - . _ ~ are the only bytes left as they are.
const UNRESERVED = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') UNRESERVED[c.charCodeAt(0)] = 1;
const HEX = '0123456789ABCDEF';
const SLASH = 0x2f;

function encodeByte(b: number, keepSlash: boolean): string {
  if ((b < 128 && UNRESERVED[b] === 1) || (keepSlash && b === SLASH)) return String.fromCharCode(b);
  return '%' + HEX[b >> 4] + HEX[b & 15];
}

/** Percent-encodes the UTF-8 bytes of `value` as SigV4 does: all but unreserved characters (and '/' if kept), upper-case hex. */
export function uriEncode(value: string, keepSlash = false): string {
  let out = '';
  for (const b of Buffer.from(value, 'utf8')) out += encodeByte(b, keepSlash);
  return out;
}

/**
 * The canonical URI of a path as received. Empty and `.` segments are dropped and `..` pops one,
 * as botocore's remove_dot_segments and smithy's getCanonicalPath do; the result is encoded once
 * more, so `/a%20b` on the wire is signed as `/a%2520b` (AWS encodes the path twice for every
 * service but S3).
 */
export function canonicalPath(rawPath: string): string {
  if (rawPath === '/') return rawPath; // IAM's and STS's one path
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return uriEncode('/' + segments.join('/') + trailing, true);
}

/** One query parameter: its decoded name and value, and their canonical encodings. */
export interface QueryParam {
  readonly name: string;
  readonly value: string;
  readonly encodedName: string;
  readonly encodedValue: string;
}

// Decodes one raw query component the way form decoding (URLSearchParams, node:querystring) does —
// '+' is a space, a '%' not followed by two hex digits stays literal — and re-encodes the bytes.
// Working on bytes keeps invalid UTF-8 distinct (`%FF` is signed as `%FF`), and matching form
// decoding means the value that is signed is the value the protocol layer executes.
function decodeComponent(raw: string): { decoded: string; encoded: string } {
  const input = Buffer.from(raw, 'utf8');
  const bytes: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const b = input[i] as number;
    if (b === 0x25 && i + 2 < input.length && isHex(input[i + 1]) && isHex(input[i + 2])) {
      bytes.push(parseInt(String.fromCharCode(input[i + 1] as number, input[i + 2] as number), 16));
      i += 2;
    } else {
      bytes.push(b === 0x2b ? 0x20 : b);
    }
  }
  let encoded = '';
  for (const b of bytes) encoded += encodeByte(b, false);
  return { decoded: Buffer.from(bytes).toString('utf8'), encoded };
}

function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
}

/** Splits a raw query string (without '?') into parameters; empty pieces (`a=1&&b=2`) are skipped, `a` alone is `a=`. */
export function parseQuery(raw: string): QueryParam[] {
  const params: QueryParam[] = [];
  for (const piece of raw.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = decodeComponent(eq === -1 ? piece : piece.slice(0, eq));
    const value = decodeComponent(eq === -1 ? '' : piece.slice(eq + 1));
    params.push({ name: name.decoded, value: value.decoded, encodedName: name.encoded, encodedValue: value.encoded });
  }
  return params;
}

/** The canonical query string: `name=value` pairs sorted by encoded name, then by encoded value. */
export function canonicalQuery(params: readonly QueryParam[]): string {
  if (params.length === 0) return '';
  return [...params]
    .sort((a, b) => compare(a.encodedName, b.encodedName) || compare(a.encodedValue, b.encodedValue))
    .map((p) => `${p.encodedName}=${p.encodedValue}`)
    .join('&');
}

// Encoded strings are ASCII, so comparing UTF-16 code units is comparing bytes, as AWS sorts.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A canonical header value: runs of spaces and tabs become one space and the ends are trimmed
 * ("Trimall"); several values of one header (separate header lines) are joined with ','.
 */
export function canonicalHeaderValue(value: string | readonly string[] | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return TRIMMED.test(value) ? value : value.replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
  return value.map((v) => canonicalHeaderValue(v)).join(',');
}

// A value with nothing to trim or squeeze (almost every value a client sends) is its own canonical form.
const TRIMMED = /^(?:[^ \t]+(?: [^ \t]+)*)?$/;

/** What a canonical request is built from. */
export interface CanonicalRequestInput {
  readonly method: string;
  /** The raw path as received, without the query. */
  readonly path: string;
  /** The query parameters, without X-Amz-Signature. */
  readonly query: readonly QueryParam[];
  /** Headers by lower-case name. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The signed header names, lower-case, in the order the client listed them. */
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
}

/** The canonical request: method, URI, query, headers, signed header list and payload hash, one per line. */
export function canonicalRequest(input: CanonicalRequestInput): string {
  let headerLines = '';
  for (const name of input.signedHeaders) headerLines += `${name}:${canonicalHeaderValue(input.headers[name])}\n`;
  return `${input.method}\n${canonicalPath(input.path)}\n${canonicalQuery(input.query)}\n${headerLines}\n${input.signedHeaders.join(';')}\n${input.payloadHash}`;
}

/** The credential scope: `YYYYMMDD/region/service/aws4_request`. */
export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/aws4_request`;
}

/** The string to sign: algorithm, ISO 8601 basic timestamp, credential scope and the hex SHA-256 of the canonical request. */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}
