/**
 * Reads the signature parameters of a request — from the Authorization header or from a presigned
 * query — into one shape, checking sizes and syntax before any hashing. Parameter names and
 * messages follow the IAM User Guide pages "Elements of an AWS API request signature" and
 * "Authentication methods" (reference_sigv-authentication-methods.html).
 */
import { ALGORITHM, type QueryParam } from './canonical.js';
import { IncompleteSignature, echo } from './errors.js';

/** Headers by lower-case name, as Node's `headers` or `headersDistinct` give them. */
export type Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The signature parameters of a request, whichever way they came. */
export interface AuthParams {
  readonly presigned: boolean;
  /** The five parts of the Credential, unchecked but for their number. */
  readonly credential: readonly [accessKeyId: string, date: string, region: string, service: string, terminator: string];
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** The signing time as sent, ISO 8601 basic (`20150830T123600Z`), and the header it came from. */
  readonly amzDate: string;
  readonly dateSource: 'x-amz-date' | 'date' | 'query';
  /** X-Amz-Expires in seconds, for presigned requests. */
  readonly expiresSeconds: number | undefined;
  /** The query parameters that are signed: all but X-Amz-Signature. */
  readonly signedQuery: readonly QueryParam[];
}

/** Limits that keep the work per request small whatever a client sends; real clients stay far below them. */
export const limits = {
  authorizationHeaderLength: 8192,
  signedHeaders: 64,
  credentialLength: 1024,
  maxExpiresSeconds: 604_800,
} as const;

const QUERY_AUTH = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'] as const;
const QUERY_AUTH_MARKERS = new Set(['x-amz-algorithm', 'x-amz-credential', 'x-amz-signature']);
const QUERY_AUTH_LOWER = new Set([...QUERY_AUTH, 'X-Amz-Security-Token'].map((n) => n.toLowerCase()));
// An HTTP token (RFC 9110 §5.6.2), lower-case as SigV4 requires of signed header names.
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const PRINTABLE = /^[\t\x20-\x7e]*$/;

/** The one value of a header; two header lines of a header that must be single are an error. */
export function singleHeader(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined || typeof value === 'string') return value;
  if (value.length > 1) throw new IncompleteSignature(`The request has more than one '${name}' header.`);
  return value[0];
}

/** Whether the request carries query-string authentication parameters. */
export function hasQueryAuth(query: readonly QueryParam[]): boolean {
  return query.some((p) => QUERY_AUTH_MARKERS.has(p.name.toLowerCase()));
}

/** What an Authorization header says apart from its signature. */
interface HeaderFields {
  readonly credential: AuthParams['credential'];
  readonly signedHeaders: readonly string[];
}

// A client sends the same Credential and SignedHeaders on every request of a day; only the
// signature at the end changes. Headers already parsed are known by what precedes the signature.
const knownHeaders = new Map<string, HeaderFields>();
const MAX_KNOWN_HEADERS = 1024;

/** Parses `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` and the date header. */
export function parseAuthorizationHeader(header: string, headers: Headers, query: readonly QueryParam[]): AuthParams {
  if (header.length > limits.authorizationHeaderLength) throw new IncompleteSignature('Authorization header is too long.');
  if (!PRINTABLE.test(header)) throw new IncompleteSignature('Authorization header must be printable ASCII.');
  // Only a signature that ends the header, as every SDK writes it, splits it for the lookup.
  const at = header.lastIndexOf('Signature=');
  const last = at > 0 && (header[at - 1] === ' ' || header[at - 1] === ',') && !header.includes(',', at);
  const signature = last ? header.slice(at + 'Signature='.length).trim() : '';
  const known = signature !== '' ? knownHeaders.get(header.slice(0, at)) : undefined;
  if (known !== undefined) return withDate(known, signature, headers, query);
  const parsed = parseWholeHeader(header, headers, query);
  if (last) {
    if (knownHeaders.size >= MAX_KNOWN_HEADERS) knownHeaders.clear();
    knownHeaders.set(header.slice(0, at), { credential: parsed.credential, signedHeaders: parsed.signedHeaders });
  }
  return parsed;
}

/** A known header's fields with this request's signature and date. */
function withDate(fields: HeaderFields, signature: string, headers: Headers, query: readonly QueryParam[]): AuthParams {
  const xAmzDate = singleHeader(headers, 'x-amz-date');
  const date = xAmzDate ?? singleHeader(headers, 'date');
  if (date === undefined) throw new IncompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  const dateSource = xAmzDate !== undefined ? 'x-amz-date' : 'date';
  if (!fields.signedHeaders.includes(dateSource)) {
    throw new IncompleteSignature(`'${dateSource === 'date' ? 'Date' : 'X-Amz-Date'}' must be a 'SignedHeader' in the AWS Authorization.`);
  }
  return { presigned: false, credential: fields.credential, signedHeaders: fields.signedHeaders, signature, amzDate: date, dateSource, expiresSeconds: undefined, signedQuery: query };
}

function parseWholeHeader(header: string, headers: Headers, query: readonly QueryParam[]): AuthParams {
  const trimmed = header.trim();
  const space = trimmed.search(/[ \t]/);
  const algorithm = space === -1 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== ALGORITHM) throw new IncompleteSignature(`Unsupported AWS 'algorithm': ${echo(algorithm)}.`);

  // Clients differ in spacing ("a=1, b=2", "a=1,b=2", "a=1 , b=2"): split on commas, trim each part.
  const fields = new Map<string, string>();
  for (const part of (space === -1 ? '' : trimmed.slice(space)).split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq === -1) throw new IncompleteSignature('Invalid key=value pair (missing equal-sign) in Authorization header.');
    const name = item.slice(0, eq).trim();
    if (fields.has(name)) throw new IncompleteSignature(`Authorization header has more than one ${echo(name)} parameter.`);
    fields.set(name, item.slice(eq + 1).trim());
  }

  const xAmzDate = singleHeader(headers, 'x-amz-date');
  const date = xAmzDate ?? singleHeader(headers, 'date');
  const missing: string[] = [];
  for (const name of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!fields.get(name)) missing.push(`Authorization header requires '${name}' parameter.`);
  }
  if (date === undefined) missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (missing.length > 0 || date === undefined) throw new IncompleteSignature(missing.join(' '));

  const signedHeaders = parseSignedHeaders(fields.get('SignedHeaders') ?? '');
  const dateSource = xAmzDate !== undefined ? 'x-amz-date' : 'date';
  if (!signedHeaders.includes(dateSource)) {
    throw new IncompleteSignature(`'${dateSource === 'date' ? 'Date' : 'X-Amz-Date'}' must be a 'SignedHeader' in the AWS Authorization.`);
  }
  return {
    presigned: false,
    credential: parseCredential(fields.get('Credential') ?? ''),
    signedHeaders,
    signature: fields.get('Signature') ?? '',
    amzDate: date,
    dateSource,
    expiresSeconds: undefined,
    signedQuery: query,
  };
}

/** Parses the X-Amz-* parameters of a presigned URL. */
export function parsePresignedQuery(query: readonly QueryParam[]): AuthParams {
  const seen = new Set<string>();
  for (const p of query) {
    const lower = p.name.toLowerCase();
    if (!QUERY_AUTH_LOWER.has(lower)) continue;
    if (seen.has(lower)) throw new IncompleteSignature(`The query-string parameter ${echo(p.name)} must appear once.`);
    seen.add(lower);
  }
  const values = new Map(query.filter((p) => QUERY_AUTH_LOWER.has(p.name.toLowerCase())).map((p) => [p.name, p.value]));
  const missing = QUERY_AUTH.filter((name) => values.get(name) === undefined);
  if (missing.length > 0) {
    throw new IncompleteSignature(
      `AWS query-string parameters must include ${missing.map((n) => `'${n}'`).join(', ')}. Re-examine the query-string parameters.`,
    );
  }
  const get = (name: (typeof QUERY_AUTH)[number]): string => values.get(name) ?? '';
  const algorithm = get('X-Amz-Algorithm');
  if (algorithm !== ALGORITHM) throw new IncompleteSignature(`Unsupported AWS 'algorithm': ${echo(algorithm)}.`);
  const expires = get('X-Amz-Expires');
  const expiresSeconds = /^[0-9]{1,7}$/.test(expires) ? Number(expires) : NaN;
  if (!(expiresSeconds >= 1 && expiresSeconds <= limits.maxExpiresSeconds)) {
    throw new IncompleteSignature(`X-Amz-Expires must be a number of seconds from 1 to ${limits.maxExpiresSeconds} (one week).`);
  }
  const signedHeaders = get('X-Amz-SignedHeaders');
  if (signedHeaders.length > limits.authorizationHeaderLength) throw new IncompleteSignature('X-Amz-SignedHeaders is too long.');
  return {
    presigned: true,
    credential: parseCredential(get('X-Amz-Credential')),
    signedHeaders: parseSignedHeaders(signedHeaders),
    signature: get('X-Amz-Signature'),
    amzDate: get('X-Amz-Date'),
    dateSource: 'query',
    expiresSeconds,
    signedQuery: query.filter((p) => p.name.toLowerCase() !== 'x-amz-signature'),
  };
}

function parseCredential(credential: string): AuthParams['credential'] {
  if (credential.length > limits.credentialLength) throw new IncompleteSignature('Credential is too long.');
  const parts = credential.split('/');
  const [accessKeyId, date, region, service, terminator] = parts;
  if (parts.length !== 5 || accessKeyId === undefined || date === undefined || region === undefined || service === undefined || terminator === undefined) {
    throw new IncompleteSignature('Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term.');
  }
  return [accessKeyId, date, region, service, terminator];
}

// A client signs the same list of headers on every request: parse each list once.
const signedHeaderLists = new Map<string, readonly string[]>();

function parseSignedHeaders(list: string): readonly string[] {
  let names = signedHeaderLists.get(list);
  if (names === undefined) {
    names = readSignedHeaders(list);
    if (signedHeaderLists.size >= 256) signedHeaderLists.clear();
    signedHeaderLists.set(list, names);
  }
  return names;
}

function readSignedHeaders(list: string): readonly string[] {
  const names = list.split(';');
  if (names.length > limits.signedHeaders) throw new IncompleteSignature(`SignedHeaders may list at most ${limits.signedHeaders} headers.`);
  const unique = new Set<string>();
  for (const name of names) {
    if (!HEADER_NAME.test(name) || unique.has(name)) {
      throw new IncompleteSignature('SignedHeaders must be distinct lower-case header names separated by semicolons.');
    }
    unique.add(name);
  }
  if (!unique.has('host')) throw new IncompleteSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  return names;
}

// Requests signed in the same second carry the same timestamp: remember the last one read.
let lastDate: { value: string; ms: number | undefined } = { value: '', ms: undefined };

/** Parses an ISO 8601 basic timestamp (`20150830T123600Z`) to milliseconds, or undefined. */
export function parseAmzDate(value: string): number | undefined {
  if (value === lastDate.value) return lastDate.ms;
  const ms = readAmzDate(value);
  lastDate = { value, ms };
  return ms;
}

function readAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 20150231 over to March: a date that does not format back to itself is invalid.
  return formatAmzDate(ms) === value ? ms : undefined;
}

/** Formats milliseconds as ISO 8601 basic, whole seconds: `20150830T123600Z`. */
export function formatAmzDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}
