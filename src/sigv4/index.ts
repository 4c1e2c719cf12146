/**
 * AWS Signature Version 4 verification: the Authorization header and presigned query forms, with
 * the key lookup and the clock injected.
 * @example
 * import { verifyRequest } from './sigv4/index.js';
 * const { key, region, securityToken } = await verifyRequest(request, lookupKey, { clock, services: ['iam', 'sts'] });
 */
export { verifyRequest, type SignedRequest, type KeyLookup, type Verified, type VerifyOptions } from './verify.js';
export type { Headers } from './parse.js';
export {
  IncompleteSignature,
  InvalidClientTokenId,
  MissingAuthenticationToken,
  RequestExpired,
  SignatureDoesNotMatch,
  XAmzContentSHA256Mismatch,
} from './errors.js';
