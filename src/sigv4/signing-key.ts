/** The SigV4 signing key and the final HMAC, with a small cache of derived keys. */
import { createHmac } from 'node:crypto';

/** HMAC-SHA256 of `data` under `key`. */
export function hmacSha256(key: string | Uint8Array, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Derives the signing key without the cache: HMAC chain over date, region, service and `aws4_request`. */
export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const kDate = hmacSha256(`AWS4${secretAccessKey}`, date);
  const kRegion = hmacSha256(kDate, region);
  const kService = hmacSha256(kRegion, service);
  return hmacSha256(kService, 'aws4_request');
}

// A key is valid for a whole day and one region and service, so one entry serves every request of
// a client that day. Bounded, oldest first out, so that scopes sent by clients (or an attacker
// cycling regions) cannot grow it; a busy key evicted early is simply derived again.
const MAX_CACHED_KEYS = 1024;
const cache = new Map<string, Buffer>();

/** The signing key for a secret and a credential scope, from the cache when it was derived recently. */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  // None of the parts holds a line break (secrets are base64, the scope's parts are checked).
  const id = `${secretAccessKey}\n${date}\n${region}\n${service}`;
  const hit = cache.get(id);
  if (hit !== undefined) return hit;
  const key = deriveSigningKey(secretAccessKey, date, region, service);
  cache.set(id, key);
  if (cache.size > MAX_CACHED_KEYS) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  return key;
}

/** The number of cached signing keys (for tests of the bound). */
export function cachedSigningKeyCount(): number {
  return cache.size;
}
