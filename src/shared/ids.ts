/**
 * Identifiers shaped like AWS's: 12-digit account ids, 20-character access key ids (AKIA… for
 * long-term keys, ASIA… for temporary ones), 40-character secrets, and 21-character unique ids
 * whose prefix tells the kind of entity (AIDA user, AROA role, AGPA group, ANPA policy…).
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';

/** Unique-id prefixes, as AWS documents them ("IAM identifiers: Unique identifiers"). */
export const ID_PREFIXES = {
  user: 'AIDA',
  role: 'AROA',
  group: 'AGPA',
  policy: 'ANPA',
  instanceProfile: 'AIPA',
  serverCertificate: 'ASCA',
  sshPublicKey: 'APKA',
  accessKey: 'AKIA',
  temporaryAccessKey: 'ASIA',
  serviceCredential: 'ACCA',
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function randomFrom(alphabet: string, length: number): string {
  // Rejection-free: both alphabets have a power-of-two size, so a byte mask is unbiased.
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! & (alphabet.length - 1)];
  return out;
}

/** Random upper-case base-32 characters (A–Z, 2–7), as AWS's ids use. */
export function randomBase32(length: number): string {
  return base32Of(randomBytes(length));
}

/** One base-32 character (A–Z, 2–7) per byte, from its low five bits: an id made from a digest. */
export function base32Of(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += BASE32[byte & 31];
  return out;
}

/** A unique id for an entity: its kind's prefix and random base-32 characters. */
export function newId(kind: IdKind): string {
  const prefix = ID_PREFIXES[kind];
  const length = kind === 'accessKey' || kind === 'temporaryAccessKey' ? 16 : 17;
  return prefix + randomFrom(BASE32, length);
}

/** A 40-character secret access key. */
export function newSecretAccessKey(): string {
  return randomFrom(SECRET_ALPHABET, 40);
}

/** A random 12-digit account id that does not start with 0. */
export function newAccountId(): string {
  return String(randomInt(1, 10)) + String(randomInt(0, 100_000)).padStart(5, '0') + String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** A request id, as AWS returns in every response. */
export function newRequestId(): string {
  return randomUUID();
}
