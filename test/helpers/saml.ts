/** SAML test material shared by the SAML tests: fixture keys, IdP metadata, responses and their signatures. */
import { readFileSync } from 'node:fs';
import { SignedXml } from 'xml-crypto';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/saml/${name}`, import.meta.url), 'utf8');
export const IDP = { key: fixture('idp-key.pem'), cert: fixture('idp-cert.pem') };
export const OTHER = { key: fixture('other-key.pem'), cert: fixture('other-cert.pem') };
export const ENTITY_ID = 'https://idp.example.com/saml/metadata';
export const SIGN_IN = 'https://signin.aws.amazon.com/saml';
export const ATTR = 'https://aws.amazon.com/SAML/Attributes/';
export const doc = (statement: object | object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statement });

/** An IdP's metadata document, with its signing certificates. */
export function metadata(certificates: string[], validUntil?: string, entityId = ENTITY_ID): string {
  const keys = certificates
    .map((pem) => pem.replace(/-----[^-]+-----|\s+/g, ''))
    .map((body) => `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`)
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}"${validUntil ? ` validUntil="${validUntil}"` : ''}>` +
    `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${keys}` +
    '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/saml/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>'
  );
}

export interface AssertionSpec {
  now: number;
  roles: string[];
  id?: string;
  sessionName?: string | undefined;
  issuer?: string;
  recipient?: string;
  /** NotOnOrAfter of the conditions and the subject confirmation, from `now`. */
  lifetimeMs?: number;
  attributes?: Record<string, string[]>;
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** A SAML Response around one Assertion, as an IdP would post it (unsigned). */
export function response(spec: AssertionSpec): string {
  const expires = iso(spec.now + (spec.lifetimeMs ?? 5 * 60_000));
  const attributes: Record<string, string[]> = {
    [`${ATTR}Role`]: spec.roles,
    ...(spec.sessionName !== undefined && { [`${ATTR}RoleSessionName`]: [spec.sessionName] }),
    ...spec.attributes,
  };
  const statement = Object.entries(attributes)
    .map(([name, values]) => `<saml:Attribute Name="${name}">${values.map((v) => `<saml:AttributeValue>${v}</saml:AttributeValue>`).join('')}</saml:Attribute>`)
    .join('');
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${spec.now}" Version="2.0" IssueInstant="${iso(spec.now)}" Destination="${SIGN_IN}">` +
    `<saml:Issuer>${spec.issuer ?? ENTITY_ID}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion ID="${spec.id ?? '_a1'}" Version="2.0" IssueInstant="${iso(spec.now)}"><saml:Issuer>${spec.issuer ?? ENTITY_ID}</saml:Issuer>` +
    '<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">alice@example.com</saml:NameID>' +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${expires}" Recipient="${spec.recipient ?? SIGN_IN}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(spec.now - 60_000)}" NotOnOrAfter="${expires}"><saml:AudienceRestriction><saml:Audience>urn:amazon:webservices</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(spec.now)}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${statement}</saml:AttributeStatement></saml:Assertion></samlp:Response>`
  );
}

/** Signs the element `target` (Assertion or Response) with an enveloped RSA-SHA256 signature after its Issuer. */
export function sign(xml: string, signer: { key: string; cert: string }, target: 'Assertion' | 'Response' = 'Assertion'): string {
  const element = `//*[local-name(.)='${target}']`;
  const signature = new SignedXml({ privateKey: signer.key, publicCert: signer.cert, signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
  signature.addReference({ xpath: element, transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'], digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256' });
  signature.computeSignature(xml, { prefix: 'ds', location: { reference: `${element}/*[local-name(.)='Issuer']`, action: 'after' } });
  return signature.getSignedXml();
}

export const base64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');
