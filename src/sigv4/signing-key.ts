/** The SigV4 signing key and the final HMAC, with a small cache of derived keys. */
import * as crypto from 'node:crypto';

/** HMAC-SHA256 of `data` under `key`. */
export function hmacSha256(key: string | Uint8Array, data: string): Buffer {
  return crypto.createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Derives the signing key without the cache: HMAC chain over date, region, service and `aws4_request`. */
export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const kDate = hmacSha256(`AWS4${secretAccessKey}`, date);
  const kRegion = hmacSha256(kDate, region);
  const kService = hmacSha256(kRegion, service);
  return hmacSha256(kService, 'aws4_request');
}

const BLOCK = 64;
// crypto.hash (Node 20.12 and later) hashes without building a Hash object.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer }).hash;
const sha256 = (data: Uint8Array): Buffer => (oneShotHash !== undefined ? oneShotHash('sha256', data, 'buffer') : crypto.createHash('sha256').update(data).digest());

/**
 * A derived signing key, ready to sign: HMAC (RFC 2104) is two hashes over the key XORed with two
 * pads, and those padded blocks are the same for every request signed that day, so they are made
 * once. A signature then costs two one-shot hashes instead of an HMAC object per request.
 */
export class SigningKey {
  private readonly inner = Buffer.alloc(BLOCK, 0x36);
  private readonly outer = Buffer.alloc(BLOCK + 32, 0x5c);

  constructor(readonly key: Buffer) {
    // A derived key is 32 bytes, shorter than the block: it is used as is, zero-padded.
    for (let i = 0; i < key.length; i++) {
      this.inner[i]! ^= key[i]!;
      this.outer[i]! ^= key[i]!;
    }
  }

  /** HMAC-SHA256 of `data` (the string to sign, ASCII) under this key. */
  sign(data: string): Buffer {
    // Signing is synchronous, so one scratch buffer serves every call, and the outer block takes
    // the inner hash in place.
    const length = BLOCK + Buffer.byteLength(data, 'utf8');
    if (scratch.length < length) scratch = Buffer.allocUnsafe(length * 2);
    this.inner.copy(scratch, 0);
    scratch.write(data, BLOCK, 'utf8');
    sha256(scratch.subarray(0, length)).copy(this.outer, BLOCK);
    return sha256(this.outer);
  }
}

let scratch = Buffer.allocUnsafe(1024);

// A key is valid for a whole day and one region and service, so one entry serves every request of
// a client that day. Bounded, oldest first out, so that scopes sent by clients (or an attacker
// cycling regions) cannot grow it; a busy key evicted early is simply derived again.
const MAX_CACHED_KEYS = 1024;
const cache = new Map<string, SigningKey>();

/** The signing key for a secret and a credential scope, from the cache when it was derived recently. */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): SigningKey {
  // None of the parts holds a line break (secrets are base64, the scope's parts are checked).
  const id = `${secretAccessKey}\n${date}\n${region}\n${service}`;
  const hit = cache.get(id);
  if (hit !== undefined) return hit;
  const key = new SigningKey(deriveSigningKey(secretAccessKey, date, region, service));
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
