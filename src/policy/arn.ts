/**
 * ARNs: `arn:partition:service:region:account:resource`. Resource elements and the Arn* operators
 * match them segment by segment: a wildcard never spans a colon between the first five segments,
 * and the sixth (which may itself contain colons) is matched as a whole.
 */
import { compileGlob, type Matcher } from './wildcard.js';

/** Splits an ARN into its six segments, or undefined when it has fewer. */
export function splitArn(arn: string): string[] | undefined {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const colon = arn.indexOf(':', start);
    if (colon < 0) return undefined;
    parts.push(arn.slice(start, colon));
    start = colon + 1;
  }
  parts.push(arn.slice(start));
  return parts;
}

/** The account segment of an ARN: undefined when the value is not an ARN or names no account. */
export function accountOf(arn: string): string | undefined {
  if (!arn.startsWith('arn:')) return undefined;
  let colon = 3;
  for (let i = 0; i < 3; i++) {
    colon = arn.indexOf(':', colon + 1);
    if (colon < 0) return undefined;
  }
  const end = arn.indexOf(':', colon + 1);
  return end > colon + 1 ? arn.slice(colon + 1, end) : undefined;
}

/** Compiles an ARN pattern (with `*` and `?`) to a segment-by-segment matcher. */
export function compileArnPattern(pattern: string): Matcher {
  return compileGlob(pattern, { arn: true });
}
