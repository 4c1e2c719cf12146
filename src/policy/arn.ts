/**
 * ARN matching, segment by segment, as AWS matches Resource elements and the Arn* operators:
 * `arn:partition:service:region:account:resource`, where a wildcard never spans a colon between
 * the first five segments, and the sixth (resource) segment may itself contain colons.
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

/**
 * Compiles an ARN pattern (with `*` and `?`) to a matcher. A pattern that is not six segments
 * (only `*` is valid then) is compared as a plain glob.
 */
export function compileArnPattern(pattern: string): Matcher {
  const parts = splitArn(pattern);
  if (!parts || !parts.some((p) => p.includes('*') || p.includes('?'))) return compileGlob(pattern);
  if (parts.slice(0, 5).every((p) => !p.includes('*') && !p.includes('?'))) {
    // Only the resource segment has wildcards: a whole-string glob is the same test, and faster.
    return compileGlob(pattern);
  }
  const segments = parts.map((p) => compileGlob(p));
  return (value) => {
    const v = splitArn(value);
    if (!v) return false;
    for (let i = 0; i < 6; i++) if (!segments[i]!(v[i]!)) return false;
    return true;
  };
}
