/**
 * Time-based one-time passwords as virtual MFA devices compute them: RFC 6238 TOTP over RFC 4226
 * HOTP, HMAC-SHA-1, 30-second steps, 6 digits; seeds written in RFC 4648 base32.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Seconds per TOTP time step (RFC 6238 §4: X = 30). */
export const TOTP_STEP_SECONDS = 30;
/** Digits of a code, as AWS's authenticationCodeType requires. */
export const TOTP_DIGITS = 6;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding, as authenticator apps take seeds. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes unpadded RFC 4648 base32 (upper case, as base32Encode writes it). */
export function base32Decode(text: string): Buffer {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text) {
    const digit = BASE32.indexOf(char);
    if (digit < 0) throw new Error('Not base32.');
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** The HOTP value of a counter (RFC 4226 §5.3, dynamic truncation), `digits` long. */
export function hotp(key: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The time step an instant falls in (RFC 6238 §4.2, T0 = 0). */
export function timeStep(ms: number): number {
  return Math.floor(ms / 1000 / TOTP_STEP_SECONDS);
}

/** Whether `code` is the code of `key` at time step `step`; compares in constant time. */
export function codeMatches(key: Uint8Array, step: number, code: string): boolean {
  if (step < 0) return false;
  const expected = Buffer.from(hotp(key, step));
  const given = Buffer.from(code);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
