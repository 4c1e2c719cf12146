/**
 * Reading SAML 2.0 XML (metadata documents, responses and assertions): a strict parse and lookups
 * of child elements by namespace, shared by SAML providers (IAM) and AssumeRoleWithSAML (STS).
 */
import { DOMParser } from '@xmldom/xmldom';

/** The namespaces SAML documents use. */
export const SAML_NS = {
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

const ELEMENT_NODE = 1;

/**
 * The root element of one well-formed XML document, or undefined. A document type declaration is
 * refused outright: entity expansion and external entities need one, and SAML never does.
 */
export function parseXml(text: string): Element | undefined {
  if (/<!DOCTYPE/i.test(text)) return undefined;
  let failed = false;
  const fail = () => {
    failed = true;
  };
  // xmldom reports rather than throws; any error means the text is not one document we can trust.
  const doc = new DOMParser({ errorHandler: { warning: () => undefined, error: fail, fatalError: fail } }).parseFromString(text, 'text/xml');
  const root = doc.documentElement;
  return failed || !root ? undefined : root;
}

/** Whether an element is `localName` in namespace `ns`. */
export function isElement(node: Element, ns: string, localName: string): boolean {
  return node.namespaceURI === ns && node.localName === localName;
}

/** The direct child elements named `localName` in namespace `ns`, in document order. */
export function childElements(parent: Element, ns: string, localName: string): Element[] {
  const found: Element[] = [];
  for (let i = 0; i < parent.childNodes.length; i++) {
    const node = parent.childNodes.item(i);
    if (node?.nodeType === ELEMENT_NODE && isElement(node as Element, ns, localName)) found.push(node as Element);
  }
  return found;
}

/** The one direct child named so, or undefined when there is none or more than one. */
export function onlyChild(parent: Element, ns: string, localName: string): Element | undefined {
  const found = childElements(parent, ns, localName);
  return found.length === 1 ? found[0] : undefined;
}

/** An element's text, trimmed (comments are not text, so a comment cannot cut a value short). */
export function textOf(element: Element): string {
  return (element.textContent ?? '').trim();
}

/** An attribute's value, or undefined when the element does not carry it. */
export function attributeOf(element: Element, name: string): string | undefined {
  return element.hasAttribute(name) ? element.getAttribute(name) ?? undefined : undefined;
}
