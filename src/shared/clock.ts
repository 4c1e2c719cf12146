/** Time, injected: the server reads the clock only through a Clock, so tests can drive it. */

/** A source of the current time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to: for tests of expiry and skew. */
export class ManualClock implements Clock {
  constructor(private ms: number = Date.now()) {}

  now(): number {
    return this.ms;
  }

  /** Moves the clock by `ms` milliseconds (negative moves it back). */
  advance(ms: number): void {
    this.ms += ms;
  }

  /** Sets the clock to an instant. */
  set(ms: number): void {
    this.ms = ms;
  }
}

/** An instant as AWS writes it in responses: ISO 8601 in UTC, e.g. `2026-11-30T06:30:00Z`. */
export function isoTime(ms: number): string {
  // Every request asks for the time (aws:CurrentTime): within one second the answer is the same.
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastIsoTime = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return lastIsoTime;
}

let lastSecond = NaN;
let lastIsoTime = '';

/**
 * An instant as HTTP's Date header writes it (`Mon, 30 Nov 2026 06:30:00 GMT`). Clients correct
 * their clock skew from it, so it must be the server's clock, the one signatures are judged by.
 */
export function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastHttpSecond) {
    lastHttpSecond = second;
    lastHttpDate = new Date(second * 1000).toUTCString();
  }
  return lastHttpDate;
}

let lastHttpSecond = NaN;
let lastHttpDate = '';
