/**
 * From an access key id to the caller who owns it: the account root, an IAM user, or a session of
 * temporary credentials (ASIA…): an assumed role, a user's GetSessionToken session, a federated
 * user, a root's AssumeRoot session. An unknown, inactive or deleted key finds no one, and the
 * request is refused as InvalidClientTokenId; an expired session is found, and refused after its
 * signature is checked.
 */
import type { Caller, SessionInfo } from '../iam/context.js';
import { arn, iamArn } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
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
  return async (accessKeyId) => (accessKeyId.startsWith('ASIA') ? sessionCaller(store, sealer, partition, accessKeyId) : keyCaller(store, sealer, partition, accessKeyId));
}

async function keyCaller(store: Store, sealer: Sealer, partition: string, accessKeyId: string): Promise<Found> {
  const key = await store.db
    .selectFrom('access_keys')
    .leftJoin('users', (join) => join.onRef('users.id', '=', 'access_keys.owner_id').on('access_keys.owner_type', '=', 'user'))
    .select(['access_keys.account_id', 'access_keys.owner_type', 'access_keys.owner_id', 'access_keys.secret_sealed', 'access_keys.status', 'users.name', 'users.path'])
    .where('access_keys.id', '=', accessKeyId)
    .executeTakeFirst();
  if (!key || key.status !== 'Active') return undefined;
  const secretAccessKey = sealer.open(key.secret_sealed);
  if (key.owner_type === 'root') {
    const root = iamArn(partition, key.account_id, '', '', 'root');
    const caller: Caller = { type: 'root', accountId: key.account_id, arn: root, principalArn: root, userId: key.account_id, userName: undefined, entityId: key.account_id, accessKeyId };
    return { secretAccessKey, key: caller };
  }
  if (key.name === null || key.path === null) return undefined; // the user is gone
  const userArn = iamArn(partition, key.account_id, 'user', key.path, key.name);
  const caller: Caller = { type: 'user', accountId: key.account_id, arn: userArn, principalArn: userArn, userId: key.owner_id, userName: key.name, entityId: key.owner_id, accessKeyId };
  return { secretAccessKey, key: caller };
}

async function sessionCaller(store: Store, sealer: Sealer, partition: string, accessKeyId: string): Promise<Found> {
  const row = await store.db.selectFrom('sessions').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
  if (!row) return undefined;
  const owner =
    row.kind === 'root'
      ? { id: row.principal_id, name: 'root', path: '/' } // an AssumeRoot session: the root of its account, which is never deleted
      : row.kind === 'assumed-role'
        ? await store.db.selectFrom('roles').select(['id', 'name', 'path']).where('id', '=', row.principal_id).executeTakeFirst()
        : await store.db.selectFrom('users').select(['id', 'name', 'path']).where('id', '=', row.principal_id).executeTakeFirst();
  if (!owner) return undefined; // the role or user is gone, and its sessions with it
  const session: SessionInfo = {
    kind: row.kind,
    tokenHash: row.token_hash,
    issuedAt: Date.parse(row.issued_at),
    expiresAt: Date.parse(row.expires_at),
    policies: JSON.parse(row.policies) as SessionInfo['policies'],
    tags: JSON.parse(row.tags) as SessionInfo['tags'],
    transitiveTagKeys: JSON.parse(row.transitive_tag_keys) as string[],
    sourceIdentity: row.source_identity ?? undefined,
    chained: row.chained === 1,
    mfa: row.mfa === 1,
    roleName: row.kind === 'assumed-role' ? owner.name : undefined,
    name: row.session_name,
  };
  const account = row.account_id;
  const secretAccessKey = sealer.open(row.secret_sealed);
  const base = { accountId: account, entityId: owner.id, accessKeyId, session };
  switch (row.kind) {
    case 'assumed-role':
      return {
        secretAccessKey,
        key: { ...base, type: 'assumed-role', arn: arn(partition, 'sts', '', account, `assumed-role/${owner.name}/${row.session_name}`), principalArn: iamArn(partition, account, 'role', owner.path, owner.name), userId: `${owner.id}:${row.session_name}`, userName: undefined },
      };
    case 'federated-user': {
      const federated = arn(partition, 'sts', '', account, `federated-user/${row.session_name}`);
      return { secretAccessKey, key: { ...base, type: 'federated-user', arn: federated, principalArn: federated, userId: `${account}:${row.session_name}`, userName: undefined } };
    }
    case 'root': {
      const root = iamArn(partition, account, '', '', 'root');
      return { secretAccessKey, key: { ...base, type: 'root', arn: root, principalArn: root, userId: account, userName: undefined } };
    }
    case 'session-token': {
      const userArn = iamArn(partition, account, 'user', owner.path, owner.name);
      return { secretAccessKey, key: { ...base, type: 'user', arn: userArn, principalArn: userArn, userId: owner.id, userName: owner.name } };
    }
  }
}
