/**
 * A request's condition keys, looked up without regard to case (AWS IAM UG, "IAM JSON policy
 * elements: Condition": key names are not case-sensitive). The key as a policy writes it is tried
 * first, since it is almost always spelled as the caller spelled it; only a miss builds the
 * lower-cased index, once per request.
 */
import type { ContextValue } from './types.js';

/** A context value as the evaluator reads it: one string, or a set of strings. */
export type KeyValue = string | readonly string[];

/** Condition keys as a request gives them: one record, or records read as one (a later one's key wins). */
export type ContextInput = Readonly<Record<string, ContextValue | undefined>> | readonly Readonly<Record<string, ContextValue | undefined>>[];

/** The condition keys of one request. */
export class RequestContext {
  private readonly layers: readonly Readonly<Record<string, ContextValue | undefined>>[];
  private keys: (readonly string[])[] | undefined;
  private lower: Map<string, KeyValue> | undefined;

  // Layers spare the caller merging what it keeps apart (the principal's keys, made once, and the
  // request's own) into a fresh object on every request.
  constructor(context: ContextInput | undefined) {
    this.layers = context === undefined ? [] : isLayered(context) ? context : [context];
  }

  /** The value of a key, given as written and lower-cased, or undefined when the request lacks it. */
  get(key: string, lowerKey: string): KeyValue | undefined {
    const layers = this.layers;
    for (let i = layers.length - 1; i >= 0; i--) {
      const direct = normalize(layers[i]![key]);
      if (direct !== undefined) return direct;
    }
    if (this.lower) return this.lower.get(lowerKey);
    // A small context is scanned (lengths first, so most keys cost one comparison); a large one
    // is indexed once.
    const keys = (this.keys ??= layers.map((layer) => Object.keys(layer)));
    if (keys.reduce((n, k) => n + k.length, 0) > SCAN_LIMIT) {
      this.lower = lowerIndex(layers, keys);
      return this.lower.get(lowerKey);
    }
    for (let i = layers.length - 1; i >= 0; i--) {
      for (const candidate of keys[i]!) {
        if (candidate.length === lowerKey.length && candidate.toLowerCase() === lowerKey) {
          const value = normalize(layers[i]![candidate]);
          if (value !== undefined) return value;
        }
      }
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

function isLayered(context: ContextInput): context is readonly Readonly<Record<string, ContextValue | undefined>>[] {
  return Array.isArray(context);
}

const SCAN_LIMIT = 16;

function lowerIndex(layers: readonly Readonly<Record<string, ContextValue | undefined>>[], keys: readonly (readonly string[])[]): Map<string, KeyValue> {
  const index = new Map<string, KeyValue>();
  layers.forEach((layer, i) => {
    for (const key of keys[i]!) {
      const value = normalize(layer[key]);
      if (value !== undefined) index.set(key.toLowerCase(), value);
    }
  });
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
