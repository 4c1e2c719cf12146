/**
 * Records when a user or role last made a successfully authorized call of each action, for the
 * service last accessed data (GenerateServiceLastAccessedDetails and its reports) and a role's
 * RoleLastUsed. Like AWS's "last authenticated", only calls that were authorized count. Writes are
 * throttled per entity and action: a busy caller costs one upsert per interval, not one per request.
 */
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import type { Caller } from './context.js';

/** How often one entity's use of one action is written at most, by default. */
export const DEFAULT_ACCESS_RECORD_INTERVAL_MS = 60_000;

const SKIPPED: Promise<void> = Promise.resolve();

// Past this many remembered (entity, action) pairs the memory is cleared: at worst a pair is written once more early.
const MAX_REMEMBERED = 10_000;

/** Records authorized calls, throttled. */
export interface AccessRecorder {
  /**
   * Notes that `caller` was allowed `action` (`service:Operation`) in `region`. Only IAM users and
   * role sessions (recorded under the role) are tracked. Resolves once written (or skipped); a
   * failed write is swallowed, since usage tracking must never fail the request.
   */
  record(caller: Caller, action: string, region: string): Promise<void>;
}

/**
 * A recorder over the store.
 * @example const accessRecords = createAccessRecorder(store, clock);  void accessRecords.record(caller, 'iam:ListUsers', region);
 */
export function createAccessRecorder(store: Store, clock: Clock, intervalMs = DEFAULT_ACCESS_RECORD_INTERVAL_MS): AccessRecorder {
  const lastWritten = new Map<string, number>();
  const write = async (key: string, caller: Caller, entityType: 'user' | 'role', service: string, action: string, region: string, now: number): Promise<void> => {
    const lastAt = new Date(now).toISOString();
    try {
      await store.transaction(async (tx) => {
        await tx
          .insertInto('access_records')
          .values({ account_id: caller.accountId, entity_type: entityType, entity_id: caller.entityId, service, action, last_at: lastAt, region })
          .onConflict((c) => c.columns(['entity_type', 'entity_id', 'action']).doUpdateSet({ last_at: lastAt, region }))
          .execute();
        // A role's session at work is the role in use: GetRole's RoleLastUsed (date and Region).
        if (entityType === 'role') await tx.updateTable('roles').set({ last_used_at: lastAt, last_used_region: region }).where('id', '=', caller.entityId).execute();
      });
    } catch {
      lastWritten.delete(key); // try again on the next request
    }
  };
  return {
    // Not async: almost every call is throttled, and then costs no promise of its own.
    record(caller, action, region) {
      const entityType = caller.type === 'user' ? 'user' : caller.type === 'assumed-role' ? 'role' : undefined;
      if (entityType === undefined || caller.entityId === '') return SKIPPED;
      const colon = action.indexOf(':');
      if (colon <= 0) return SKIPPED;
      const key = `${entityType}:${caller.entityId}:${action}`;
      const now = clock.now();
      const last = lastWritten.get(key);
      if (last !== undefined && now - last < intervalMs && now >= last) return SKIPPED;
      if (lastWritten.size >= MAX_REMEMBERED) lastWritten.clear();
      lastWritten.set(key, now);
      return write(key, caller, entityType, action.slice(0, colon).toLowerCase(), action, region, now);
    },
  };
}
