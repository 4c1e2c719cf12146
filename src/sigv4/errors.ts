/**
 * Errors of Signature Version 4 verification, with the codes and statuses of AWS's IAM and STS
 * "Common Errors" pages. Messages go to clients: they never carry a secret, a derived key or the
 * signature we expected, and echo request values only after checking they are short and plain.
 */
import { defineError } from '../shared/service-error.js';

/** No Authorization header and no X-Amz-Algorithm/X-Amz-Credential/X-Amz-Signature query parameter. */
export const MissingAuthenticationToken = defineError('MissingAuthenticationToken', 403);

/** A malformed Authorization header or presigned query, a missing part, or an absurd size. */
export const IncompleteSignature = defineError('IncompleteSignature', 400);

/** The access key id is unknown (or inactive: the key lookup decides). */
export const InvalidClientTokenId = defineError('InvalidClientTokenId', 403);

/** The signature, or the credential scope it was made for, is not the one we compute. */
export const SignatureDoesNotMatch = defineError('SignatureDoesNotMatch', 403);

/** The signing time is outside the allowed skew, or a presigned URL is past its expiry. */
export const RequestExpired = defineError('RequestExpired', 400);

/** An x-amz-content-sha256 value that is not the SHA-256 of the body received (S3's code). */
export const XAmzContentSHA256Mismatch = defineError('XAmzContentSHA256Mismatch', 400);

/** The fixed messages AWS answers with. */
export const messages = {
  missingAuthentication: 'Request is missing Authentication Token',
  invalidClientTokenId: 'The security token included in the request is invalid.',
  signatureDoesNotMatch:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  requestExpired: 'Request has expired.',
  contentSha256Mismatch: "The provided 'x-amz-content-sha256' header does not match what was computed.",
} as const;

/** Quotes a client-sent value for an error message only if it is short and plain; else a placeholder. */
export function echo(value: string): string {
  return /^[A-Za-z0-9._\-]{0,64}$/.test(value) ? `'${value}'` : '(value not shown)';
}
