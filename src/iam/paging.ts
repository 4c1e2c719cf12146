/**
 * AWS's pagination: MaxItems (1–1000, default 100), an opaque Marker, and IsTruncated. The marker
 * carries the sort key of the last item returned, so a page never repeats or skips an item that
 * was there before and after it, whatever is written meanwhile.
 */
import { pageOf } from '../store/repos/named-entities.js';
import { InvalidParameterValue } from './errors.js';

export const DEFAULT_MAX_ITEMS = 100;

/** The pagination members of a request. */
export interface PageInput {
  readonly Marker?: string;
  readonly MaxItems?: number;
}

/** The pagination members of a response. */
export type PageOutput = { IsTruncated: boolean; Marker?: string };

/** The page size and the position a request asks for. */
export function pageRequest(input: PageInput): { limit: number; after: string | undefined } {
  return { limit: input.MaxItems ?? DEFAULT_MAX_ITEMS, after: input.Marker === undefined ? undefined : readMarker(input.Marker) };
}

/** The pagination members of a response. */
export function pageResponse(next: string | undefined): PageOutput {
  return next === undefined ? { IsTruncated: false } : { IsTruncated: true, Marker: Buffer.from(next, 'utf8').toString('base64url') };
}

function readMarker(marker: string): string {
  const key = Buffer.from(marker, 'base64url').toString('utf8');
  if (key === '' || Buffer.from(key, 'utf8').toString('base64url') !== marker) throw new InvalidParameterValue('Invalid Marker.');
  return key;
}

/**
 * One page of a short list held in memory in an order of its own (versions newest first,
 * simulation results), the marker being the key of the last item returned; a marker whose item is
 * gone is refused.
 */
export function pageItems<T>(items: readonly T[], input: PageInput, key: (item: T) => string): { items: T[]; response: PageOutput } {
  const { limit, after } = pageRequest(input);
  const start = after === undefined ? 0 : items.findIndex((item) => key(item) === after) + 1;
  if (after !== undefined && start === 0) throw new InvalidParameterValue('Invalid Marker.');
  const page = pageOf(items.slice(start, start + limit + 1), limit, key);
  return { items: page.items, response: pageResponse(page.next) };
}

/**
 * One page of a list held in memory and sorted by a unique key, from the first key after the
 * marker: an item removed meanwhile moves no other item between pages.
 */
export function pageSorted<T>(items: readonly T[], input: PageInput, key: (item: T) => string): { items: T[]; response: PageOutput } {
  const { limit, after } = pageRequest(input);
  const page = pageOf(after === undefined ? [...items] : items.filter((item) => key(item) > after), limit, key);
  return { items: page.items, response: pageResponse(page.next) };
}

/** Orders by a string key in code-unit order, the order `>` in `pageSorted` agrees with. */
export function byKey<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}
