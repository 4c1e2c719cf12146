/**
 * Verifying a SAML 2.0 Response for AssumeRoleWithSAML (IAM UG, "Configure SAML assertions for the
 * authentication response"). An EncryptedAssertion is first decrypted with the provider's private
 * keys (saml-decrypt.ts). The Response or its Assertion must carry an XML signature by one of
 * the provider's certificates, and every claim is read from the bytes that signature covers — never
 * from the document around them — so that moving a signed element and putting a forged one in its
 * place (signature wrapping) gains nothing.
 */
import type { KeyObject } from 'node:crypto';
import { XMLSerializer } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { attributeOf, childElements, isElement, onlyChild, parseXml, SAML_NS, textOf } from '../iam/saml-xml.js';
import { ExpiredToken, IDPRejectedClaim, InvalidIdentityToken } from './errors.js';
import { decryptAssertion, UNDECRYPTABLE } from './saml-decrypt.js';

/** IdP and server clocks differ; times in an assertion are read with this much leeway. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Signature algorithms accepted: RSA with SHA-256 or stronger (SHA-1 and HMAC are not). */
const SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set(['http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512']);

/** The audiences AWS accepts in AudienceRestriction: its SAML service provider's names. */
const AUDIENCES: ReadonlySet<string> = new Set(['https://signin.aws.amazon.com/saml', 'urn:amazon:webservices']);

/** The sign-in endpoints a Recipient may name: global or regional, in any AWS partition. */
const RECIPIENT = /^https:\/\/([a-z0-9-]+\.)?signin\.(aws\.amazon\.com|amazonaws\.cn|amazonaws-us-gov\.com)\/(static\/)?saml(\/acs\/[A-Za-z0-9]+)?$/;

const NAME_ID_PREFIX = 'urn:oasis:names:tc:SAML:2.0:nameid-format:';
const UNSPECIFIED_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

/** What the provider trusts: the metadata's entityID and signing certificates, and how it takes encrypted assertions. */
export interface SamlTrust {
  readonly entityId: string;
  readonly certificates: readonly string[];
  /** The provider's private keys, to decrypt an EncryptedAssertion. */
  readonly decryptionKeys: readonly KeyObject[];
  /** AssertionEncryptionMode Required: a plaintext Assertion is refused. */
  readonly encryptionRequired: boolean;
}

/** The claims of a verified assertion. */
export interface SamlClaims {
  readonly issuer: string;
  /** The NameID. */
  readonly subject: string;
  /** The NameID format, without the SAML 2.0 prefix (`persistent`, `transient`) or else in full. */
  readonly subjectType: string;
  /** The SubjectConfirmationData Recipient: the response's Audience and saml:aud. */
  readonly recipient: string;
  /** AuthnStatement SessionNotOnOrAfter, when the IdP limits the session. */
  readonly sessionNotOnOrAfter: number | undefined;
  /** Attribute values by attribute Name. */
  readonly attributes: ReadonlyMap<string, readonly string[]>;
}

const invalid = (why: string) => new InvalidIdentityToken(why);

/**
 * Verifies a base64-encoded SAML Response against a provider at `now` and returns its claims.
 * @throws InvalidIdentityToken (signature, issuer, audience, structure), ExpiredToken (past its
 *   NotOnOrAfter), IDPRejectedClaim (the IdP reports a failed authentication).
 */
export function verifySamlResponse(base64: string, trust: SamlTrust, now: number): SamlClaims {
  const xml = Buffer.from(base64, 'base64').toString('utf8');
  const response = parseXml(xml);
  if (!response || !isElement(response, SAML_NS.protocol, 'Response')) throw invalid('Invalid SAML response: not a base64-encoded SAML 2.0 Response.');
  const plaintext = childElements(response, SAML_NS.assertion, 'Assertion');
  const encrypted = childElements(response, SAML_NS.assertion, 'EncryptedAssertion');
  if (plaintext.length + encrypted.length !== 1) throw invalid('Invalid SAML response: it must hold exactly one Assertion or EncryptedAssertion.');
  if (encrypted.length === 0 && trust.encryptionRequired) throw invalid('Invalid SAML response: the SAML provider requires encrypted assertions (AssertionEncryptionMode is Required), and this assertion is not encrypted.');

  const responseSignature = signatureOf(response);
  const signedResponse = responseSignature ? verifiedCopy(xml, response, responseSignature, trust) : undefined;
  // An encrypted assertion is decrypted where it stands — in the signed copy of the Response when
  // the Response is signed (that signature covers the ciphertext) — and then read like a plaintext one.
  const { document, documentXml } = encrypted.length > 0 ? withAssertionDecrypted(signedResponse ?? response, trust) : { document: response, documentXml: xml };
  const assertion = onlyChild(document, SAML_NS.assertion, 'Assertion');
  if (!assertion) throw invalid('Invalid SAML response: it must hold exactly one Assertion.');

  // The innermost signed copy is what we read: the Assertion's own signature if it has one, else the Response's.
  const assertionSignature = signatureOf(assertion);
  if (!responseSignature && !assertionSignature) throw invalid('Response signature invalid: neither the Response nor its Assertion is signed.');
  const signedAssertion = assertionSignature
    ? verifiedCopy(documentXml, assertion, assertionSignature, trust)
    : signedResponse && onlyChild(encrypted.length > 0 ? document : signedResponse, SAML_NS.assertion, 'Assertion');
  if (!signedAssertion) throw invalid('Invalid SAML response: it must hold exactly one Assertion.');

  // The status is read from the signed Response when there is one; an unsigned status can only refuse.
  const status = onlyChild(signedResponse ?? response, SAML_NS.protocol, 'Status');
  const code = status && onlyChild(status, SAML_NS.protocol, 'StatusCode');
  if (!code || attributeOf(code, 'Value') !== SUCCESS) throw new IDPRejectedClaim('The identity provider reported that authentication failed.');

  return claimsOf(signedAssertion, trust, now);
}

/**
 * A copy of `response` with its EncryptedAssertion replaced by the decrypted Assertion, and that
 * copy's text (an assertion's own signature is checked against it). The decrypted text is parsed
 * under the namespace prefixes in scope on the EncryptedAssertion, since an IdP may
 * encrypt an assertion that uses a prefix its Response declares.
 */
function withAssertionDecrypted(response: Element, trust: SamlTrust): { document: Element; documentXml: string } {
  const copy = parseXml(new XMLSerializer().serializeToString(response));
  const encryptedAssertion = copy && onlyChild(copy, SAML_NS.assertion, 'EncryptedAssertion');
  if (!copy || !encryptedAssertion) throw invalid('Invalid SAML response: it must hold exactly one EncryptedAssertion.');
  const decrypted = decryptAssertion(encryptedAssertion, trust.decryptionKeys);

  const declarations = [...namespacesInScope(encryptedAssertion)].map(([prefix, uri]) => ` ${prefix ? `xmlns:${prefix}` : 'xmlns'}="${escapeAttribute(uri)}"`).join('');
  // The decrypted text may not bring a document type declaration or more than one element (parseXml refuses both).
  const wrapper = parseXml(`<wrapper${declarations}>${decrypted.replace(/^<\?xml[^>]*\?>/, '')}</wrapper>`);
  const elements = wrapper ? Array.from({ length: wrapper.childNodes.length }, (_, i) => wrapper.childNodes.item(i)).filter((node) => node?.nodeType === 1) : [];
  const assertion = elements[0] as Element | undefined;
  if (elements.length !== 1 || !assertion || !isElement(assertion, SAML_NS.assertion, 'Assertion')) throw invalid(UNDECRYPTABLE);
  copy.replaceChild(copy.ownerDocument.importNode(assertion, true), encryptedAssertion);
  const documentXml = new XMLSerializer().serializeToString(copy);
  const document = parseXml(documentXml);
  if (!document) throw invalid(UNDECRYPTABLE);
  return { document, documentXml };
}

/** The namespace declarations in scope on `element`, nearest first wins (prefix '' is the default namespace). */
function namespacesInScope(element: Element): Map<string, string> {
  const scope = new Map<string, string>();
  for (let node: Node | null = element; node && node.nodeType === 1; node = node.parentNode) {
    const attributes = (node as Element).attributes;
    for (let i = 0; i < attributes.length; i++) {
      const attribute = attributes.item(i);
      if (!attribute) continue;
      const prefix = attribute.name === 'xmlns' ? '' : attribute.name.startsWith('xmlns:') ? attribute.name.slice(6) : undefined;
      if (prefix !== undefined && !scope.has(prefix)) scope.set(prefix, attribute.value);
    }
  }
  return scope;
}

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/** The element's enveloped signature: undefined when unsigned; more than one is refused. */
function signatureOf(element: Element): Element | undefined {
  const signatures = childElements(element, SAML_NS.dsig, 'Signature');
  if (signatures.length > 1) throw invalid('Response signature invalid: more than one signature on one element.');
  return signatures[0];
}

/**
 * Checks `signature` with each of the provider's certificates (never a key the document offers in
 * KeyInfo) and returns the signed copy of `element`: the one reference must point at `element` by
 * its ID, and what it covers must be that element.
 */
function verifiedCopy(xml: string, element: Element, signature: Element, trust: SamlTrust): Element {
  const id = attributeOf(element, 'ID');
  if (!id) throw invalid('Response signature invalid: the signed element has no ID.');
  for (const certificate of trust.certificates) {
    const verifier = new SignedXml({ publicCert: certificate, getCertFromKeyInfo: () => null });
    try {
      verifier.loadSignature(signature);
      if (!SIGNATURE_ALGORITHMS.has(verifier.signatureAlgorithm ?? '')) throw invalid('Response signature invalid: the signature algorithm must be RSA-SHA256 or RSA-SHA512.');
      if (!verifier.checkSignature(xml)) continue;
    } catch (error) {
      if (error instanceof InvalidIdentityToken) throw error;
      continue; // xml-crypto throws for a signature that does not verify with this key
    }
    const references = verifier.getReferences();
    const signed = verifier.getSignedReferences();
    if (references.length !== 1 || references[0]?.uri !== `#${id}` || signed.length !== 1) break;
    const copy = parseXml(signed[0] ?? '');
    if (!copy || copy.namespaceURI !== element.namespaceURI || copy.localName !== element.localName || attributeOf(copy, 'ID') !== id) break;
    return copy;
  }
  throw invalid('Response signature invalid');
}

/** Reads and checks the claims of a signed assertion. */
function claimsOf(assertion: Element, trust: SamlTrust, now: number): SamlClaims {
  const issuerElement = onlyChild(assertion, SAML_NS.assertion, 'Issuer');
  const issuer = issuerElement ? textOf(issuerElement) : '';
  if (issuer !== trust.entityId) throw invalid('Issuer not present in specified provider');

  const subject = onlyChild(assertion, SAML_NS.assertion, 'Subject');
  const nameId = subject && onlyChild(subject, SAML_NS.assertion, 'NameID');
  if (!subject || !nameId || textOf(nameId) === '') throw invalid('Invalid SAML assertion: the Subject must have a NameID.');
  const format = attributeOf(nameId, 'Format') ?? UNSPECIFIED_FORMAT;

  // Exactly one bearer SubjectConfirmation whose data has a NotOnOrAfter and a Recipient (IAM UG, "Subject and NameID").
  const confirmation = onlyChild(subject, SAML_NS.assertion, 'SubjectConfirmation');
  const data = confirmation && onlyChild(confirmation, SAML_NS.assertion, 'SubjectConfirmationData');
  if (!confirmation || attributeOf(confirmation, 'Method') !== BEARER || !data) throw invalid('Invalid SAML assertion: it must have one bearer SubjectConfirmation with SubjectConfirmationData.');
  const recipient = attributeOf(data, 'Recipient') ?? '';
  if (!RECIPIENT.test(recipient)) throw invalid('Invalid SAML assertion: the Recipient must be the AWS sign-in endpoint.');
  notAfter(instant(attributeOf(data, 'NotOnOrAfter'), 'SubjectConfirmationData NotOnOrAfter', true), now);

  const conditions = onlyChild(assertion, SAML_NS.assertion, 'Conditions');
  if (!conditions) throw invalid('Invalid SAML assertion: it must have Conditions with an AudienceRestriction.');
  const notBefore = instant(attributeOf(conditions, 'NotBefore'), 'Conditions NotBefore', false);
  if (notBefore !== undefined && now + CLOCK_SKEW_MS < notBefore) throw invalid('Invalid SAML assertion: it is not yet valid (Conditions NotBefore).');
  notAfter(instant(attributeOf(conditions, 'NotOnOrAfter'), 'Conditions NotOnOrAfter', false), now);
  // Every AudienceRestriction must be met (SAML Core 2.5.1.4), and at least one must name AWS.
  const restrictions = childElements(conditions, SAML_NS.assertion, 'AudienceRestriction');
  const forAws = (restriction: Element) => childElements(restriction, SAML_NS.assertion, 'Audience').some((audience) => AUDIENCES.has(textOf(audience)));
  if (restrictions.length === 0 || !restrictions.every(forAws)) throw invalid('Invalid SAML assertion: the Audience must be https://signin.aws.amazon.com/saml or urn:amazon:webservices.');

  const authn = childElements(assertion, SAML_NS.assertion, 'AuthnStatement')[0];
  const sessionNotOnOrAfter = authn && instant(attributeOf(authn, 'SessionNotOnOrAfter'), 'AuthnStatement SessionNotOnOrAfter', false);

  const attributes = new Map<string, string[]>();
  for (const statement of childElements(assertion, SAML_NS.assertion, 'AttributeStatement')) {
    for (const attribute of childElements(statement, SAML_NS.assertion, 'Attribute')) {
      const name = attributeOf(attribute, 'Name');
      if (name === undefined) continue;
      const values = childElements(attribute, SAML_NS.assertion, 'AttributeValue').map(textOf);
      attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
    }
  }
  return {
    issuer,
    subject: textOf(nameId),
    subjectType: format.startsWith(NAME_ID_PREFIX) ? format.slice(NAME_ID_PREFIX.length) : format,
    recipient,
    sessionNotOnOrAfter,
    attributes,
  };
}

/** An xs:dateTime attribute in milliseconds; undefined when absent and optional. */
function instant(text: string | undefined, what: string, required: true): number;
function instant(text: string | undefined, what: string, required: false): number | undefined;
function instant(text: string | undefined, what: string, required: boolean): number | undefined {
  if (text === undefined) {
    if (required) throw invalid(`Invalid SAML assertion: ${what} is missing.`);
    return undefined;
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw invalid(`Invalid SAML assertion: ${what} is not a date and time.`);
  return ms;
}

/** ExpiredToken once `now`, less the skew, reaches a NotOnOrAfter. */
function notAfter(limit: number | undefined, now: number): void {
  if (limit !== undefined && now - CLOCK_SKEW_MS >= limit) throw new ExpiredToken('Token is expired.');
}
