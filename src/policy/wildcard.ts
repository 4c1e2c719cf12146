/**
 * Glob matching with `*` (any run of characters) and `?` (exactly one), the only wildcards of the
 * policy language. A pattern compiles once to the cheapest test that decides it.
 */

export type Matcher = (value: string) => boolean;

const always: Matcher = () => true;

/** Compiles a glob to a matcher. `ignoreCase` matches as actions do; resources and values are case-sensitive. */
export function compileGlob(pattern: string, ignoreCase = false): Matcher {
  if (pattern === '*') return always;
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const star = p.indexOf('*');
  const hasQuestion = p.includes('?');
  if (star < 0 && !hasQuestion) {
    return ignoreCase ? (v) => v.length === p.length && v.toLowerCase() === p : (v) => v === p;
  }
  if (!hasQuestion && star === p.length - 1 && p.indexOf('*') === star) {
    const prefix = p.slice(0, -1);
    return ignoreCase ? (v) => v.toLowerCase().startsWith(prefix) : (v) => v.startsWith(prefix);
  }
  const re = globToRegExp(p, ignoreCase);
  return (v) => re.test(v);
}

/** A glob as an anchored regular expression; `s` so that `*` also spans line breaks. */
export function globToRegExp(pattern: string, ignoreCase = false): RegExp {
  let source = '^';
  for (const ch of pattern) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(source + '$', ignoreCase ? 'is' : 's');
}

/** Whether a pattern has a wildcard at all. */
export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}
