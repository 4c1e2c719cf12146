/**
 * Glob matching with `*` (any run of characters) and `?` (exactly one), the only wildcards of the
 * policy language. A pattern compiles once to the cheapest test that decides it.
 *
 * The policy variables `${*}` and `${?}` stand for a literal `*` and `?`; substitution writes them
 * (and any wildcard inside a substituted value) as the private-use characters below, which a policy
 * document can never contain (its character set ends at U+00FF), so they cannot be confused.
 */

export type Matcher = (value: string) => boolean;

/** A `*` that matches only itself. */
export const LITERAL_STAR = '\uF000';
/** A `?` that matches only itself. */
export const LITERAL_QUESTION = '\uF001';

const always: Matcher = () => true;
const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\/-]/g;

/** Options of a glob: actions ignore case; ARNs keep wildcards inside one colon-delimited segment. */
export interface GlobOptions {
  readonly ignoreCase?: boolean;
  /**
   * Match as an ARN, segment by segment: in the first five segments of
   * `arn:partition:service:region:account:resource` a wildcard never spans a colon; in the
   * sixth (which may itself contain colons) it spans anything.
   */
  readonly arn?: boolean;
}

/** Compiles a glob to a matcher. */
export function compileGlob(pattern: string, options: GlobOptions = {}): Matcher {
  if (pattern === '*') return always;
  const ignoreCase = options.ignoreCase ?? false;
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const star = p.indexOf('*');
  const question = p.indexOf('?');
  if (star < 0 && question < 0) {
    const literal = unescapeLiterals(p);
    return ignoreCase
      ? (v) => v.length === literal.length && v.toLowerCase() === literal
      : (v) => v === literal;
  }
  // A lone trailing `*` (in the resource segment, for an ARN) is a prefix test.
  if (question < 0 && star === p.length - 1 && (!options.arn || colonCount(p) >= 5)) {
    const prefix = unescapeLiterals(p.slice(0, -1));
    return ignoreCase ? (v) => v.toLowerCase().startsWith(prefix) : (v) => v.startsWith(prefix);
  }
  const re = globToRegExp(p, options);
  return (v) => re.test(v);
}

/** A glob as an anchored regular expression; `s` so that `*` also spans line breaks. */
export function globToRegExp(pattern: string, options: GlobOptions = {}): RegExp {
  let source = '^';
  let colons = 0;
  for (const ch of pattern) {
    const inSegment = options.arn === true && colons < 5;
    if (ch === '*') source += inSegment ? '[^:]*' : '.*';
    else if (ch === '?') source += inSegment ? '[^:]' : '.';
    else {
      if (ch === ':') colons++;
      source += unescapeLiterals(ch).replace(REGEXP_SPECIAL, '\\$&');
    }
  }
  return new RegExp(source + '$', options.ignoreCase ? 'is' : 's');
}

/** Whether a pattern has a wildcard at all. */
export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** Protects the wildcards of a substituted value so that they match only themselves. */
export function escapeWildcards(value: string): string {
  return hasWildcard(value) ? value.replace(/\*/g, LITERAL_STAR).replace(/\?/g, LITERAL_QUESTION) : value;
}

/** Turns protected wildcards back into the characters they stand for. */
export function unescapeLiterals(value: string): string {
  return value.includes(LITERAL_STAR) || value.includes(LITERAL_QUESTION)
    ? value.replace(/\uF000/g, '*').replace(/\uF001/g, '?')
    : value;
}

function colonCount(s: string): number {
  let n = 0;
  for (let i = s.indexOf(':'); i >= 0; i = s.indexOf(':', i + 1)) n++;
  return n;
}
