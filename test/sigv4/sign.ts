/** Test helper: signs a request with @smithy/signature-v4 and returns it as a server receives it. */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SignedRequest } from '../../src/sigv4/index.js';

export const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
export const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

export interface SignOptions {
  date: number;
  secret?: string;
  region?: string;
  service?: string;
  sessionToken?: string;
  /** Presign for this many seconds instead of signing the Authorization header. */
  expiresIn?: number;
}

/** A form POST to `/` (or what `request` says), signed as the SDK would sign it. */
export async function sign(options: SignOptions, request: Partial<Pick<SignedRequest, 'method' | 'path' | 'body'>> & { query?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<SignedRequest> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: options.secret ?? SECRET, ...(options.sessionToken === undefined ? {} : { sessionToken: options.sessionToken }) },
    region: options.region ?? 'us-east-1',
    service: options.service ?? 'sts',
    sha256: Sha256,
    applyChecksum: false,
  });
  const body = request.body ?? (options.expiresIn === undefined ? 'Action=GetCallerIdentity&Version=2011-06-15' : '');
  const unsigned = new HttpRequest({
    method: request.method ?? (options.expiresIn === undefined ? 'POST' : 'GET'),
    protocol: 'https:',
    hostname: 'localhost',
    path: request.path ?? '/',
    query: request.query ?? {},
    headers: { host: 'localhost:8080', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...request.headers },
    body,
  });
  const signed =
    options.expiresIn === undefined
      ? await signer.sign(unsigned, { signingDate: new Date(options.date) })
      : await signer.presign(unsigned, { signingDate: new Date(options.date), expiresIn: options.expiresIn });
  const query = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v ?? '']).map((x) => `${encodeURIComponent(k)}=${encodeURIComponent(x)}`))
    .join('&');
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: signed.method, path: signed.path, query, headers, body };
}
