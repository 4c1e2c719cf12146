/**
 * Policy documents at the IAM API's edge: the forms clients send them in, the policy engine's
 * verdict turned into IAM's errors, and the URL-encoded form AWS returns them in.
 */
import { checkPolicy, MalformedPolicyDocumentError, PolicySizeExceededError, type Policy, type PolicyKind } from '../policy/index.js';
import { LimitExceeded, MalformedPolicyDocument } from './errors.js';

/**
 * The policy JSON a client sent. The CLI sends it as is; Terraform and boto sometimes send it
 * URL-encoded, which AWS accepts too, so a document that starts with an encoded `{` is decoded.
 */
export function decodeDocument(text: string): string {
  if (!/^\s*%7B/i.test(text)) return text;
  try {
    // Form encoders (Go's QueryEscape, Python's quote_plus) write a space as `+`; a literal `+` is `%2B`.
    return decodeURIComponent(text.trim().replace(/\+/g, ' '));
  } catch {
    throw new MalformedPolicyDocument('Syntax errors in policy.');
  }
}

/**
 * Parses and validates a policy document of one kind, answering as IAM does: MalformedPolicyDocument
 * (400) with the engine's message, or LimitExceeded (409) "Cannot exceed quota for QUOTA: N" when
 * it has more than `maxSize` characters that are not white space (the engine's default for the kind
 * when not given).
 * @example checkDocument(decodeDocument(input.AssumeRolePolicyDocument), 'trust', 2048, 'ACLSizePerRole')
 */
export function checkDocument(text: string, kind: PolicyKind, maxSize?: number, quota = 'PolicySize'): Policy {
  try {
    return checkPolicy(text, kind, maxSize === undefined ? {} : { maxSize });
  } catch (error) {
    if (error instanceof PolicySizeExceededError) throw new LimitExceeded(`Cannot exceed quota for ${quota}: ${error.limit}`);
    if (error instanceof MalformedPolicyDocumentError) throw new MalformedPolicyDocument(error.message);
    throw error;
  }
}

/**
 * A stored document as AWS returns it in responses: URL-encoded (RFC 3986). The AWS CLI decodes
 * it; the JavaScript SDK hands it over as is, so its users call decodeURIComponent.
 */
export function encodeDocument(text: string): string {
  return encodeURIComponent(text);
}
