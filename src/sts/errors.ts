/** STS's errors, with AWS's codes and HTTP statuses (STS API Reference, each action's Errors). */
import { defineError } from '../shared/service-error.js';

export const ExpiredToken = defineError('ExpiredToken', 403);
export const PackedPolicyTooLarge = defineError('PackedPolicyTooLarge', 400);
export const RegionDisabled = defineError('RegionDisabled', 403);
export const IDPRejectedClaim = defineError('IDPRejectedClaim', 403);
export const IDPCommunicationError = defineError('IDPCommunicationError', 400);
export const InvalidIdentityToken = defineError('InvalidIdentityToken', 400);
export const InvalidAuthorizationMessage = defineError('InvalidAuthorizationMessageException', 400);
