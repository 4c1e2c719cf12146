/**
 * The CLI's errors and exit codes: 0 success, 1 the service (or the network) said no, 2 the command
 * line or the local configuration is wrong. Every failure is one line on stderr, never a stack.
 */

/** Exit codes, as the AWS CLI's users expect them to split. */
export const EXIT = { ok: 0, service: 1, usage: 2 } as const;

/** A mistake in the command line or the local configuration: exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = EXIT.usage;
}

/** Where a call went, for hints in error lines. */
export interface CallTarget {
  readonly profile: string;
  readonly endpoint: string;
}

/** What the SDK rejects with, as far as we read it. */
interface SdkError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  errors?: unknown[];
  $metadata?: { httpStatusCode?: number };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH']);

/** The errno code of a network failure, looking through AggregateError and `cause`. */
function networkCode(error: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof error !== 'object' || error === null) return undefined;
  const e = error as SdkError;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return e.code;
  if (e.name === 'TimeoutError') return 'ETIMEDOUT';
  for (const inner of e.errors ?? []) {
    const code = networkCode(inner, depth + 1);
    if (code) return code;
  }
  return networkCode(e.cause, depth + 1);
}

/** Hints for the AWS error codes where the fix is usually on this side. */
const HINTS: Readonly<Record<string, (t: CallTarget) => string>> = {
  InvalidClientTokenId: (t) => `the access key of profile "${t.profile}" is not known to ${t.endpoint}; check it with "deployport configure list"`,
  SignatureDoesNotMatch: (t) => `the secret access key of profile "${t.profile}" does not match its access key id; check it with "deployport configure list"`,
  ExpiredToken: (t) => `the temporary credentials of profile "${t.profile}" have expired; assume the role again`,
  AccessDenied: (t) => `profile "${t.profile}" at ${t.endpoint}`,
};

/**
 * One line for any failure: `CODE: message (hint)`, and its exit code.
 * @example describeFailure(err, { profile: 'default', endpoint: 'http://127.0.0.1:4566' })
 */
export function describeFailure(error: unknown, target: CallTarget | undefined): { line: string; exitCode: number } {
  if (error instanceof UsageError) return { line: error.message, exitCode: EXIT.usage };
  const net = networkCode(error);
  if (net && target) {
    const what = net === 'ECONNREFUSED' ? 'connection refused' : net === 'ETIMEDOUT' ? 'timed out' : net;
    return {
      line: `cannot reach the server at ${target.endpoint} (${what}; profile "${target.profile}"). Is it running? Start one with "deployport server", or set the endpoint with "deployport configure -e URL".`,
      exitCode: EXIT.service,
    };
  }
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) {
    const code = e.Code ?? e.name ?? 'Error';
    const hint = HINTS[code]?.(target ?? { profile: '?', endpoint: '?' });
    // The encoded explanation AWS appends to AccessDenied is kilobytes long: one line stays readable
    // without it, and `deployport sts decode-message` reads it back (`--debug` shows it).
    const message = (e.message ?? '').replace(/\s*Encoded authorization failure message: \S+/, '').replace(/\s+/g, ' ').trim();
    return { line: `${code}: ${message || `HTTP ${status}`}${hint ? ` (${hint})` : ''}`, exitCode: EXIT.service };
  }
  const message = (e.message ?? String(error)).split('\n')[0] ?? '';
  return { line: target ? `${message} (profile "${target.profile}", endpoint ${target.endpoint})` : message, exitCode: EXIT.service };
}
