/**
 * X.509 certificates and private keys as IAM takes them (PEM), parsed with node:crypto: what
 * UploadServerCertificate and UploadSigningCertificate check before storing anything.
 */
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { KeyPairMismatch, MalformedCertificate } from './errors.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** A certificate as parsed: the node:crypto object, when it stops being valid, and its SHA-256 fingerprint. */
export interface ParsedCertificate {
  readonly certificate: X509Certificate;
  readonly expiration: Date;
  readonly fingerprint: string;
}

function parseOne(pem: string, what: string): ParsedCertificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw new MalformedCertificate(`Unable to parse ${what}. Please ensure the ${what} is in PEM format.`);
  }
  return { certificate, expiration: new Date(certificate.validTo), fingerprint: certificate.fingerprint256 };
}

/**
 * One PEM certificate (a certificate body), or MalformedCertificate: anything but exactly one
 * `CERTIFICATE` block is refused, as AWS does for a body that holds a chain.
 */
export function parseCertificate(pem: string, what = 'certificate'): ParsedCertificate {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length !== 1) throw new MalformedCertificate(`Unable to parse ${what}. Please ensure the ${what} is in PEM format.`);
  return parseOne(blocks[0] as string, what);
}

/** A certificate chain: one or more PEM certificates, each of which must parse. */
export function parseChain(pem: string): ParsedCertificate[] {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new MalformedCertificate('Unable to parse certificate chain. Please ensure the certificate chain is in PEM format.');
  return blocks.map((block) => parseOne(block, 'certificate chain'));
}

/** A PEM private key, or MalformedCertificate (AWS's code for a key it cannot read). */
export function parsePrivateKey(pem: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new MalformedCertificate('Unable to parse private key. Please ensure the private key is in PEM format and not encrypted.');
  }
}

/** Refuses, with KeyPairMismatch, a private key whose public half is not the certificate's. */
export function requireKeyMatch(certificate: X509Certificate, privateKey: KeyObject): void {
  const fromKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const fromCertificate = certificate.publicKey.export({ type: 'spki', format: 'der' });
  if (!fromKey.equals(fromCertificate)) throw new KeyPairMismatch('The private key did not match the public key in the certificate.');
}
