/** Errors of the policy language. They carry the AWS error code the API answers with. */

/** A policy document that cannot be parsed or is not valid for its kind. */
export class MalformedPolicyDocumentError extends Error {
  static readonly code = 'MalformedPolicyDocument';
  readonly code = MalformedPolicyDocumentError.code;
  readonly httpStatus = 400;
  /** A JSON pointer (RFC 6901) to the offending place, e.g. `/Statement/2/Condition/StringEquals`. */
  readonly pointer: string;

  constructor(message: string, pointer = '') {
    super(pointer ? `${message} (at ${pointer})` : message);
    this.name = 'MalformedPolicyDocumentError';
    this.pointer = pointer;
  }
}

/** A policy document over the size quota for its kind. AWS answers 409 LimitExceeded. */
export class PolicySizeExceededError extends Error {
  static readonly code = 'LimitExceeded';
  readonly code = PolicySizeExceededError.code;
  readonly httpStatus = 409;
  readonly pointer = '';

  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`Cannot exceed quota for PolicySize: ${limit}`);
    this.name = 'PolicySizeExceededError';
  }
}

/** Builds a JSON pointer from path segments, escaping `~` and `/` as RFC 6901 says. */
export function pointerOf(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) out += '/' + String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
  return out;
}
