/**
 * AWS's pagination: MaxItems (1–1000, default 100), an opaque Marker, and IsTruncated. The marker
 * carries the sort key of the last item returned, so a page never repeats or skips an item that
 * was there before and after it, whatever is written meanwhile.
 */
import { InvalidInput } from './errors.js';

export const DEFAULT_MAX_ITEMS = 100;

/** The page size and the position a request asks for. */
export function pageRequest(input: { Marker?: string; MaxItems?: number }): { limit: number; after: string | undefined } {
  return { limit: input.MaxItems ?? DEFAULT_MAX_ITEMS, after: input.Marker === undefined ? undefined : readMarker(input.Marker) };
}

/** The pagination members of a response. */
export function pageResponse(next: string | undefined): { IsTruncated: boolean; Marker?: string } {
  return next === undefined ? { IsTruncated: false } : { IsTruncated: true, Marker: Buffer.from(next, 'utf8').toString('base64url') };
}

function readMarker(marker: string): string {
  const key = Buffer.from(marker, 'base64url').toString('utf8');
  if (key === '' || Buffer.from(key, 'utf8').toString('base64url') !== marker) throw new InvalidInput('Invalid Marker.');
  return key;
}
