/**
 * A request's condition keys, looked up without regard to case (AWS IAM UG, "IAM JSON policy
 * elements: Condition": key names are not case-sensitive). The key as a policy writes it is tried
 * first, since it is almost always spelled as the caller spelled it; only a miss builds the
 * lower-cased index, once per request.
 */
import type { ContextValue } from './types.js';

/** A context value as the evaluator reads it: one string, or a set of strings. */
export type KeyValue = string | readonly string[];

/** The condition keys of one request. */
export class RequestContext {
  private keys: string[] | undefined;
  private lower: Map<string, KeyValue> | undefined;

  constructor(private readonly raw: Readonly<Record<string, ContextValue | undefined>> | undefined) {}

  /** The value of a key, given as written and lower-cased, or undefined when the request lacks it. */
  get(key: string, lowerKey: string): KeyValue | undefined {
    const raw = this.raw;
    if (raw === undefined) return undefined;
    const direct = normalize(raw[key]);
    if (direct !== undefined) return direct;
    if (this.lower) return this.lower.get(lowerKey);
    // A small context is scanned (lengths first, so most keys cost one comparison); a large one
    // is indexed once.
    const keys = (this.keys ??= Object.keys(raw));
    if (keys.length > SCAN_LIMIT) {
      this.lower = lowerIndex(raw, keys);
      return this.lower.get(lowerKey);
    }
    for (const candidate of keys) {
      if (candidate.length === lowerKey.length && candidate.toLowerCase() === lowerKey) return normalize(raw[candidate]);
    }
    return undefined;
  }

  /** A key's single value, as policy variables need it; a set with other than one member has none. */
  one(lowerKey: string): string | undefined {
    const value = this.get(lowerKey, lowerKey);
    if (typeof value === 'string') return value;
    return value?.length === 1 ? value[0] : undefined;
  }
}

const SCAN_LIMIT = 16;

function lowerIndex(raw: Readonly<Record<string, ContextValue | undefined>>, keys: readonly string[]): Map<string, KeyValue> {
  const index = new Map<string, KeyValue>();
  for (const key of keys) {
    const value = normalize(raw[key]);
    if (value !== undefined) index.set(key.toLowerCase(), value);
  }
  return index;
}

/** Numbers and booleans compare as their text; anything else (inherited members too) is absent. */
function normalize(value: unknown): KeyValue | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      return Array.isArray(value) ? (value.every((v) => typeof v === 'string') ? value : value.map(String)) : undefined;
    default:
      return undefined;
  }
}
