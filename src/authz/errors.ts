/** Authorization's error: AccessDenied, with AWS's message naming the caller, action, resource and reason. */
import { defineError } from '../shared/service-error.js';

export const AccessDenied = defineError('AccessDenied', 403);
