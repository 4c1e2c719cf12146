/**
 * From an access key id to the caller who owns it: the account root or an IAM user. An unknown,
 * inactive or deleted key finds no one, and the request is refused as InvalidClientTokenId.
 */
import type { Caller } from '../iam/context.js';
import type { Clock } from '../shared/clock.js';
import { iamArn } from '../shared/arn.js';
import type { Sealer } from '../shared/seal.js';
import type { KeyLookup } from '../sigv4/index.js';
import type { Store } from '../store/store.js';

type Found = { secretAccessKey: string; key: Caller } | undefined;

/**
 * The key lookup SigV4 verification uses, over the store. Found keys are cached (every request
 * needs one, and opening the sealed secret costs an AES-GCM pass) until their account changes.
 */
export function accessKeyLookup(store: Store, sealer: Sealer, partition: string, clock: Clock): KeyLookup<Caller> {
  const cache = new Map<string, { found: NonNullable<Found>; version: number; madeAt: number }>();
  const load = lookupOnce(store, sealer, partition);
  return async (accessKeyId) => {
    const now = clock.now();
    const hit = cache.get(accessKeyId);
    if (hit && store.changes.fresh(hit.found.key.accountId, hit.version, hit.madeAt, now)) return hit.found;
    cache.delete(accessKeyId);
    const epoch = store.changes.epoch;
    const found = await load(accessKeyId);
    // Cached only if nothing changed while it loaded, so that an entry is never fresher than its data.
    if (found && store.changes.epoch === epoch) {
      if (cache.size >= 10_000) cache.clear();
      cache.set(accessKeyId, { found, version: store.changes.version(found.key.accountId), madeAt: now });
    }
    return found;
  };
}

function lookupOnce(store: Store, sealer: Sealer, partition: string): (accessKeyId: string) => Promise<Found> {
  return async (accessKeyId) => {
    const key = await store.db
      .selectFrom('access_keys')
      .leftJoin('users', (join) => join.onRef('users.id', '=', 'access_keys.owner_id').on('access_keys.owner_type', '=', 'user'))
      .select(['access_keys.account_id', 'access_keys.owner_type', 'access_keys.owner_id', 'access_keys.secret_sealed', 'access_keys.status', 'users.name', 'users.path'])
      .where('access_keys.id', '=', accessKeyId)
      .executeTakeFirst();
    if (!key || key.status !== 'Active') return undefined;
    const secretAccessKey = sealer.open(key.secret_sealed);
    if (key.owner_type === 'root') {
      const caller: Caller = { type: 'root', accountId: key.account_id, arn: iamArn(partition, key.account_id, '', '', 'root'), userId: key.account_id, userName: undefined, entityId: key.account_id, accessKeyId };
      return { secretAccessKey, key: caller };
    }
    if (key.name === null || key.path === null) return undefined; // the user is gone
    const caller: Caller = {
      type: 'user',
      accountId: key.account_id,
      arn: iamArn(partition, key.account_id, 'user', key.path, key.name),
      userId: key.owner_id,
      userName: key.name,
      entityId: key.owner_id,
      accessKeyId,
    };
    return { secretAccessKey, key: caller };
  };
}
