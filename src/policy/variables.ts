/**
 * Policy variables: `${aws:username}`, `${aws:PrincipalTag/team}`, any context key, the literal
 * escapes `${*}`, `${?}` and `${$}`, and defaults `${aws:username, 'nobody'}`. They are substituted
 * at evaluation time, and only in documents of Version 2012-10-17 (AWS IAM UG, "IAM policy
 * elements: Variables and tags"). A variable with no value and no default leaves its policy value
 * unresolved, and that value matches nothing.
 */
import { escapeWildcards, LITERAL_QUESTION, LITERAL_STAR } from './wildcard.js';

/** A reference to a context key inside a policy value. */
interface VariableRef {
  /** The key, lower-cased: context keys match without regard to case. */
  readonly key: string;
  readonly fallback: string | undefined;
}

/** A policy value with variables in it, taken apart once at compile time. */
export interface Template {
  readonly parts: readonly (string | VariableRef)[];
}

/** Looks up a single-valued context key by its lower-cased name. */
export type Lookup = (lowerKey: string) => string | undefined;

const VARIABLE = /\$\{([^}]*)\}/g;
const WITH_DEFAULT = /^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$/;

/**
 * Takes a policy value apart into literal text and variables; a value with no variable (the
 * common case) comes back as a string, its escapes resolved.
 * `glob` says whether the value is a pattern: `${*}` and `${?}` then stay literal characters.
 */
export function parseTemplate(text: string, glob: boolean): string | Template {
  if (!text.includes('${')) return text;
  const parts: (string | VariableRef)[] = [];
  let last = 0;
  for (const m of text.matchAll(VARIABLE)) {
    const inner = m[1] ?? '';
    let literal: string | undefined;
    if (inner === '*') literal = glob ? LITERAL_STAR : '*';
    else if (inner === '?') literal = glob ? LITERAL_QUESTION : '?';
    else if (inner === '$') literal = '$';
    const before = text.slice(last, m.index);
    last = m.index + m[0].length;
    if (literal !== undefined) {
      parts.push(before + literal);
      continue;
    }
    if (before) parts.push(before);
    const withDefault = WITH_DEFAULT.exec(inner);
    parts.push(
      withDefault
        ? { key: withDefault[1]!.toLowerCase(), fallback: withDefault[2] }
        : { key: inner.trim().toLowerCase(), fallback: undefined },
    );
  }
  parts.push(text.slice(last));
  const merged = mergeStrings(parts);
  if (merged.every((part) => typeof part === 'string')) return merged.join('');
  return { parts: merged };
}

/**
 * Substitutes a template's variables, or returns undefined when one has no value. In a pattern,
 * a substituted value's own `*` and `?` match only themselves.
 */
export function render(template: Template, lookup: Lookup, glob: boolean): string | undefined {
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const value = lookup(part.key) ?? part.fallback;
    if (value === undefined) return undefined;
    out += glob ? escapeWildcards(value) : value;
  }
  return out;
}

function mergeStrings(parts: (string | VariableRef)[]): (string | VariableRef)[] {
  const out: (string | VariableRef)[] = [];
  for (const part of parts) {
    const prev = out[out.length - 1];
    if (typeof part === 'string' && typeof prev === 'string') out[out.length - 1] = prev + part;
    else if (part !== '') out.push(part);
  }
  return out;
}
