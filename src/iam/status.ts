/** The status a credential may be set to: the model's enum also holds `Expired`, which only AWS sets. */
import { ValidationError } from './errors.js';

/** Refuses `Expired` (and anything else) as a status to set, in the words of a validation error. */
export function assertSettableStatus(status: string): asserts status is 'Active' | 'Inactive' {
  if (status !== 'Active' && status !== 'Inactive') {
    throw new ValidationError(`1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`);
  }
}
