/**
 * The base of every error the API answers with. Each context (protocol, sigv4, iam, sts) defines
 * its own errors in one file; only the protocol edge renders them, as AWS's XML.
 */

/** Who is at fault, as AWS's error XML says. */
export type Fault = 'Sender' | 'Receiver';

/** An error with an AWS code and HTTP status. `message` goes to the client; `detail` never does. */
export class ServiceError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fault: Fault;
  readonly detail: unknown;

  constructor(code: string, message: string, status: number, options: { fault?: Fault; detail?: unknown } = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
    this.fault = options.fault ?? (status >= 500 ? 'Receiver' : 'Sender');
    this.detail = options.detail;
  }
}

/** The constructor of an error class for one AWS code. */
export interface ServiceErrorClass {
  new (message: string, detail?: unknown): ServiceError;
  readonly code: string;
  readonly status: number;
}

/**
 * Defines the error class for one AWS code and status.
 * @example export const NoSuchEntity = defineError('NoSuchEntity', 404);  throw new NoSuchEntity('The user with name x cannot be found.');
 */
export function defineError(code: string, status: number, fault?: Fault): ServiceErrorClass {
  const errorClass = class extends ServiceError {
    static readonly code = code;
    static readonly status = status;
    constructor(message: string, detail?: unknown) {
      super(code, message, status, { fault, detail });
    }
  };
  Object.defineProperty(errorClass, 'name', { value: code });
  return errorClass;
}
