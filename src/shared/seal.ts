/**
 * Secrets at rest: AES-256-GCM under a master key. A sealed value is `v1.` + base64url of
 * nonce ‖ ciphertext ‖ tag; the version prefix leaves room for another scheme later.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Seals and opens secrets under one master key. */
export interface Sealer {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

/** A sealer over a 32-byte master key. */
export function createSealer(masterKey: Uint8Array): Sealer {
  if (masterKey.length !== 32) throw new Error('The master key must be 32 bytes (AES-256).');
  const key = Buffer.from(masterKey);
  return {
    seal(plaintext) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return 'v1.' + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
    },
    open(sealed) {
      if (!sealed.startsWith('v1.')) throw new Error('Unknown sealed-secret format.');
      const raw = Buffer.from(sealed.slice(3), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
    },
  };
}
