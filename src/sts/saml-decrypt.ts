/**
 * Decrypting a SAML EncryptedAssertion (SAML Core 2.3.4; XML Encryption 1.1): the content key is
 * carried in an EncryptedKey under RSA-OAEP to one of the provider's private keys, and the
 * assertion under AES-CBC or AES-GCM with that key. Decryption proves nothing about who wrote the
 * assertion (anyone may encrypt to a public key): the caller verifies its signature afterwards.
 */
import { constants, createDecipheriv, createHash, privateDecrypt, timingSafeEqual, type KeyObject } from 'node:crypto';
import { attributeOf, childElements, onlyChild, SAML_NS, textOf } from '../iam/saml-xml.js';
import { InvalidIdentityToken } from './errors.js';

const XENC = 'http://www.w3.org/2001/04/xmlenc#';
const XENC11 = 'http://www.w3.org/2009/xmlenc11#';

/** Content encryption: the cipher, its key length, and whether it authenticates (GCM) or pads (CBC). */
const CONTENT_ALGORITHMS: Readonly<Record<string, { cipher: string; keyBytes: number; mode: 'cbc' | 'gcm' }>> = {
  [`${XENC}aes128-cbc`]: { cipher: 'aes-128-cbc', keyBytes: 16, mode: 'cbc' },
  [`${XENC}aes192-cbc`]: { cipher: 'aes-192-cbc', keyBytes: 24, mode: 'cbc' },
  [`${XENC}aes256-cbc`]: { cipher: 'aes-256-cbc', keyBytes: 32, mode: 'cbc' },
  [`${XENC11}aes128-gcm`]: { cipher: 'aes-128-gcm', keyBytes: 16, mode: 'gcm' },
  [`${XENC11}aes192-gcm`]: { cipher: 'aes-192-gcm', keyBytes: 24, mode: 'gcm' },
  [`${XENC11}aes256-gcm`]: { cipher: 'aes-256-gcm', keyBytes: 32, mode: 'gcm' },
};

const RSA_OAEP_MGF1P = `${XENC}rsa-oaep-mgf1p`;
const RSA_OAEP = `${XENC11}rsa-oaep`;
const RSA_1_5 = `${XENC}rsa-1_5`;

/** Digest methods an OAEP key transport may name (XML Encryption 1.1, 5.1). */
const DIGESTS: Readonly<Record<string, string>> = {
  'http://www.w3.org/2000/09/xmldsig#sha1': 'sha1',
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384': 'sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};

/** Mask generation functions of xmlenc11#rsa-oaep (the default is MGF1 with SHA-1). */
const MGFS: Readonly<Record<string, string>> = {
  [`${XENC11}mgf1sha1`]: 'sha1',
  [`${XENC11}mgf1sha256`]: 'sha256',
  [`${XENC11}mgf1sha384`]: 'sha384',
  [`${XENC11}mgf1sha512`]: 'sha512',
};

const invalid = (why: string) => new InvalidIdentityToken(`Invalid SAML response: ${why}`);

/**
 * The one answer for every failure from unwrapping the key to parsing the plaintext: telling a bad
 * CBC padding from bad XML would make a decryption oracle (Jager and Somorovsky, 2011).
 */
export const UNDECRYPTABLE = "Invalid SAML response: the EncryptedAssertion could not be decrypted to an Assertion with the SAML provider's private keys.";

/** More EncryptedKeys than this is refused: each costs an RSA decryption per private key. */
const MAX_ENCRYPTED_KEYS = 4;

/** How an EncryptedKey's content key was wrapped. */
interface KeyTransport {
  readonly hash: string;
  readonly mgfHash: string;
  readonly label: Buffer;
}

/**
 * The XML text of the Assertion inside `encryptedAssertion`, decrypted with the first of `keys`
 * that opens one of its EncryptedKeys.
 * @throws InvalidIdentityToken when it cannot be decrypted, with the same message whatever failed
 *   inside, so that failures tell an attacker nothing about the plaintext.
 */
export function decryptAssertion(encryptedAssertion: Element, keys: readonly KeyObject[]): string {
  const data = onlyChild(encryptedAssertion, XENC, 'EncryptedData');
  if (!data) throw invalid('an EncryptedAssertion must hold exactly one EncryptedData.');
  const method = onlyChild(data, XENC, 'EncryptionMethod');
  const content = CONTENT_ALGORITHMS[(method && attributeOf(method, 'Algorithm')) ?? ''];
  if (!content) throw invalid('the assertion must be encrypted with AES-CBC or AES-GCM (xmlenc#aes128-cbc, aes256-cbc, xmlenc11#aes128-gcm, aes256-gcm).');
  const cipherData = onlyChild(data, XENC, 'CipherData');
  const cipherValue = cipherData && onlyChild(cipherData, XENC, 'CipherValue');
  if (!cipherValue) throw invalid('the EncryptedData must carry its CipherValue inline.');
  const ciphertext = base64Of(cipherValue);

  // The EncryptedKey sits in the EncryptedData's KeyInfo or, as SAML also allows, beside the EncryptedData.
  const keyInfo = onlyChild(data, SAML_NS.dsig, 'KeyInfo');
  const encryptedKeys = [...(keyInfo ? childElements(keyInfo, XENC, 'EncryptedKey') : []), ...childElements(encryptedAssertion, XENC, 'EncryptedKey')];
  if (encryptedKeys.length === 0) throw invalid('the EncryptedAssertion carries no EncryptedKey.');
  if (encryptedKeys.length > MAX_ENCRYPTED_KEYS) throw invalid(`the EncryptedAssertion carries more than ${MAX_ENCRYPTED_KEYS} EncryptedKeys.`);
  if (keys.length === 0) throw invalid('the assertion is encrypted, but the SAML provider has no private key to decrypt it.');

  for (const encryptedKey of encryptedKeys) {
    const transport = keyTransportOf(encryptedKey);
    const keyCipherData = onlyChild(encryptedKey, XENC, 'CipherData');
    const keyCipherValue = keyCipherData && onlyChild(keyCipherData, XENC, 'CipherValue');
    if (!keyCipherValue) throw invalid('an EncryptedKey must carry its CipherValue inline.');
    const wrapped = base64Of(keyCipherValue);
    for (const key of keys) {
      try {
        const contentKey = unwrapKey(wrapped, key, transport);
        if (contentKey.length !== content.keyBytes) continue;
        return decryptContent(ciphertext, contentKey, content);
      } catch {
        continue; // not this key, or not this EncryptedKey: try the others before giving up
      }
    }
  }
  throw new InvalidIdentityToken(UNDECRYPTABLE);
}

function base64Of(element: Element): Buffer {
  const text = textOf(element).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw invalid('a CipherValue is not base64.');
  return Buffer.from(text, 'base64');
}

/** The key transport an EncryptedKey names: RSA-OAEP only. */
function keyTransportOf(encryptedKey: Element): KeyTransport {
  const method = onlyChild(encryptedKey, XENC, 'EncryptionMethod');
  const algorithm = method && attributeOf(method, 'Algorithm');
  if (algorithm === RSA_1_5) throw invalid('RSA PKCS#1 v1.5 key transport (xmlenc#rsa-1_5) is refused: it is insecure (open to padding-oracle attacks). Encrypt the key with RSA-OAEP.');
  if (!method || (algorithm !== RSA_OAEP_MGF1P && algorithm !== RSA_OAEP)) throw invalid('the content key must be encrypted with RSA-OAEP (xmlenc#rsa-oaep-mgf1p or xmlenc11#rsa-oaep).');

  const digest = onlyChild(method, SAML_NS.dsig, 'DigestMethod');
  const hash = digest ? DIGESTS[attributeOf(digest, 'Algorithm') ?? ''] : 'sha1';
  if (!hash) throw invalid('the RSA-OAEP digest must be SHA-1, SHA-256, SHA-384 or SHA-512.');
  // rsa-oaep-mgf1p fixes MGF1 with SHA-1; xmlenc11#rsa-oaep names its own, SHA-1 by default.
  const mgf = algorithm === RSA_OAEP ? onlyChild(method, XENC11, 'MGF') : undefined;
  const mgfHash = mgf ? MGFS[attributeOf(mgf, 'Algorithm') ?? ''] : 'sha1';
  if (!mgfHash) throw invalid('the RSA-OAEP mask generation function must be MGF1 with SHA-1, SHA-256, SHA-384 or SHA-512.');
  const params = onlyChild(method, XENC, 'OAEPparams');
  return { hash, mgfHash, label: params ? base64Of(params) : Buffer.alloc(0) };
}

/** The content key, unwrapped with RSA-OAEP. */
function unwrapKey(wrapped: Buffer, key: KeyObject, transport: KeyTransport): Buffer {
  // OpenSSL (through node:crypto) uses one hash for both digest and MGF1; other pairings are decoded here.
  if (transport.hash === transport.mgfHash) {
    return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: transport.hash, oaepLabel: transport.label }, wrapped);
  }
  return oaepDecode(privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, wrapped), transport);
}

/** MGF1 (RFC 8017, B.2.1): `length` bytes of mask from `seed`. */
function mgf1(seed: Buffer, length: number, hash: string): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0, total = 0; total < length; counter++) {
    const block = createHash(hash).update(seed).update(Buffer.from([counter >>> 24, (counter >>> 16) & 255, (counter >>> 8) & 255, counter & 255])).digest();
    blocks.push(block);
    total += block.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/**
 * EME-OAEP decoding (RFC 8017, 7.1.2 step 3) of a raw RSA decryption. Every check is made on every
 * input and the outcome decided once at the end, so that its timing does not tell which check failed.
 */
function oaepDecode(encoded: Buffer, transport: KeyTransport): Buffer {
  const labelHash = createHash(transport.hash).update(transport.label).digest();
  const hLen = labelHash.length;
  if (encoded.length < 2 * hLen + 2) throw new Error('decryption error');
  const maskedSeed = encoded.subarray(1, 1 + hLen);
  const maskedDb = encoded.subarray(1 + hLen);
  const seedMask = mgf1(maskedDb, hLen, transport.mgfHash);
  const seed = Buffer.from(maskedSeed.map((byte, i) => byte ^ (seedMask[i] ?? 0)));
  const dbMask = mgf1(seed, maskedDb.length, transport.mgfHash);
  const db = Buffer.from(maskedDb.map((byte, i) => byte ^ (dbMask[i] ?? 0)));

  let bad = encoded[0] === 0 ? 0 : 1;
  bad |= timingSafeEqual(db.subarray(0, hLen), labelHash) ? 0 : 1;
  // After the label hash: zero bytes, one 0x01, then the message.
  let separator = -1;
  for (let i = hLen; i < db.length; i++) {
    const byte = db[i] ?? 0;
    const first = separator < 0;
    if (first && byte === 1) separator = i;
    else if (first && byte !== 0) bad |= 1;
  }
  if (bad !== 0 || separator < 0) throw new Error('decryption error');
  return db.subarray(separator + 1);
}

/** The assertion's text, decrypted with the content key. */
function decryptContent(ciphertext: Buffer, contentKey: Buffer, content: { cipher: string; mode: 'cbc' | 'gcm' }): string {
  if (content.mode === 'gcm') {
    // IV (96 bits) ‖ ciphertext ‖ tag (128 bits) (XML Encryption 1.1, 5.2.4).
    if (ciphertext.length < 12 + 16) throw new Error('decryption error');
    const decipher = createDecipheriv(content.cipher as 'aes-256-gcm', contentKey, ciphertext.subarray(0, 12), { authTagLength: 16 });
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    return Buffer.concat([decipher.update(ciphertext.subarray(12, ciphertext.length - 16)), decipher.final()]).toString('utf8');
  }
  // IV (128 bits) ‖ ciphertext, padded as XML Encryption pads: only the last byte (the pad's length) is defined.
  if (ciphertext.length < 32 || ciphertext.length % 16 !== 0) throw new Error('decryption error');
  const decipher = createDecipheriv(content.cipher, contentKey, ciphertext.subarray(0, 16)).setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(16)), decipher.final()]);
  const padLength = padded[padded.length - 1] ?? 0;
  if (padLength < 1 || padLength > 16) throw new Error('decryption error');
  return padded.subarray(0, padded.length - padLength).toString('utf8');
}
