/**
 * Records when, where and with which service an access key was last used, for GetAccessKeyLastUsed.
 * Writes are throttled per key: a busy key costs one UPDATE per interval, not one per request.
 * AWS's own figure is approximate too ("IAM UG, Finding unused credentials": tracked, not exact).
 */
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';

/** How often one key's use is written at most, by default. */
export const DEFAULT_KEY_USAGE_INTERVAL_MS = 60_000;

const SKIPPED: Promise<void> = Promise.resolve();

// Past this many remembered keys the memory is cleared: at worst a key is written once more early.
const MAX_REMEMBERED = 10_000;

/** Records access key use, throttled. */
export interface KeyUsageRecorder {
  /**
   * Notes that `accessKeyId` signed a request for `service` in `region`. Resolves once written (or
   * skipped); a failed write is swallowed, since usage tracking must never fail the request.
   */
  record(accessKeyId: string, service: string, region: string): Promise<void>;
}

/**
 * A recorder over the store.
 * @example const keyUsage = createKeyUsageRecorder(store, clock);  await keyUsage.record(caller.accessKeyId, 'iam', region);
 */
export function createKeyUsageRecorder(store: Store, clock: Clock, intervalMs = DEFAULT_KEY_USAGE_INTERVAL_MS): KeyUsageRecorder {
  const lastWritten = new Map<string, number>();
  const write = async (accessKeyId: string, service: string, region: string, now: number): Promise<void> => {
    try {
      await store.db
        .updateTable('access_keys')
        .set({ last_used_at: new Date(now).toISOString(), last_used_service: service, last_used_region: region })
        .where('id', '=', accessKeyId)
        .execute();
    } catch {
      lastWritten.delete(accessKeyId); // try again on the next request
    }
  };
  return {
    // Not async: almost every call is throttled, and then costs no promise of its own.
    record(accessKeyId, service, region) {
      const now = clock.now();
      const last = lastWritten.get(accessKeyId);
      if (last !== undefined && now - last < intervalMs && now >= last) return SKIPPED;
      if (lastWritten.size >= MAX_REMEMBERED) lastWritten.clear();
      lastWritten.set(accessKeyId, now);
      return write(accessKeyId, service, region, now);
    },
  };
}
