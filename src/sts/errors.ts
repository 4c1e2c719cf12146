/** STS's errors, with AWS's codes and HTTP statuses (STS API Reference, each action's Errors). */
import { defineError } from '../shared/service-error.js';

export const ExpiredToken = defineError('ExpiredToken', 403);
export const PackedPolicyTooLarge = defineError('PackedPolicyTooLarge', 400);
export const RegionDisabled = defineError('RegionDisabled', 403);
export const IDPRejectedClaim = defineError('IDPRejectedClaim', 403);
export const IDPCommunicationError = defineError('IDPCommunicationError', 400);
export const InvalidIdentityToken = defineError('InvalidIdentityToken', 400);
export const InvalidAuthorizationMessage = defineError('InvalidAuthorizationMessageException', 400);

/**
 * An expired web identity token: the model's ExpiredTokenException (400), not the ExpiredToken
 * (403) of an expired session's signed request.
 */
export const ExpiredTokenException = defineError('ExpiredTokenException', 400);
