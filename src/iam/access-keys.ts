/**
 * Long-term access keys of IAM users and of the account root (IAM API Reference, "CreateAccessKey"
 * and neighbours). The secret is sealed at rest and shown once, by CreateAccessKey.
 */
import type {
  AccessKeyMetadata,
  CreateAccessKeyRequest,
  CreateAccessKeyResponse,
  DeleteAccessKeyRequest,
  GetAccessKeyLastUsedRequest,
  GetAccessKeyLastUsedResponse,
  ListAccessKeysRequest,
  ListAccessKeysResponse,
  UpdateAccessKeyRequest,
} from '@aws-sdk/client-iam';
import type { Selectable } from 'kysely';
import { newId, newSecretAccessKey } from '../shared/ids.js';
import { pageOf } from '../store/repos/named-entities.js';
import type { AccessKeysTable } from '../store/schema.js';
import type { Db } from '../store/store.js';
import type { Handler, Input, OperationContext } from './context.js';
import { AccessDenied } from '../authz/errors.js';
import { InvalidInput, LimitExceeded, NoSuchEntity } from './errors.js';
import { assertSettableStatus } from './status.js';
import { pageRequest, pageResponse } from './paging.js';
import { requireUser } from './users.js';

/** A user may hold at most two access keys (IAM UG, "IAM and AWS STS quotas"); so may the root. */
export const ACCESS_KEYS_PER_USER = 2;

/** Whose keys a call manages: an IAM user, or the account root. */
type KeyOwner = { readonly type: 'user'; readonly id: string; readonly userName: string } | { readonly type: 'root'; readonly id: string };

type KeyRow = Selectable<AccessKeysTable>;

/**
 * The user an operation names, or, without a name, the calling IAM user; other callers must name
 * one (AWS: "Must specify userName when calling with non-User credentials").
 */
export function targetUserName(context: OperationContext, userName: string | undefined): string {
  const name = userName ?? context.caller.userName;
  if (name === undefined) throw new NoSuchEntity('Must specify userName when calling with non-User credentials');
  return name;
}

// Without UserName, the key operations act on the caller's own keys, the root's included (IAM API, "CreateAccessKey").
async function keyOwner(db: Db, context: OperationContext, userName: string | undefined): Promise<KeyOwner> {
  if (userName === undefined && context.caller.type === 'root') return { type: 'root', id: context.caller.accountId };
  const user = await requireUser(db, context, targetUserName(context, userName));
  return { type: 'user', id: user.id, userName: user.name };
}

async function requireKey(db: Db, context: OperationContext, owner: KeyOwner, accessKeyId: string): Promise<KeyRow> {
  const row = await db
    .selectFrom('access_keys')
    .selectAll()
    .where('id', '=', accessKeyId)
    .where('account_id', '=', context.caller.accountId)
    .where('owner_type', '=', owner.type)
    .where('owner_id', '=', owner.id)
    .executeTakeFirst();
  if (!row) throw new NoSuchEntity(`The Access Key with id ${accessKeyId} cannot be found.`);
  return row;
}

function toMetadata(owner: KeyOwner, row: KeyRow): AccessKeyMetadata {
  return {
    ...(owner.type === 'user' && { UserName: owner.userName }),
    AccessKeyId: row.id,
    Status: row.status,
    CreateDate: new Date(row.created_at),
  };
}

export const CreateAccessKey: Handler<Input<CreateAccessKeyRequest>, CreateAccessKeyResponse> = async (input, context) => {
  const { store, caller, clock, sealer } = context;
  const secret = newSecretAccessKey();
  const created = await store.transaction(async (tx) => {
    const owner = await keyOwner(tx, context, input.UserName);
    // Counted inside the write transaction, so concurrent creates cannot exceed the quota together.
    const held = await tx.selectFrom('access_keys').select('id').where('owner_type', '=', owner.type).where('owner_id', '=', owner.id).execute();
    if (held.length >= ACCESS_KEYS_PER_USER) throw new LimitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${ACCESS_KEYS_PER_USER}`);
    const row: KeyRow = {
      id: newId('accessKey'),
      account_id: caller.accountId,
      owner_type: owner.type,
      owner_id: owner.id,
      secret_sealed: sealer.seal(secret),
      status: 'Active',
      created_at: new Date(clock.now()).toISOString(),
      last_used_at: null,
      last_used_service: null,
      last_used_region: null,
    };
    await tx.insertInto('access_keys').values(row).execute();
    return { owner, row };
  });
  // The secret leaves the server here and nowhere else: ListAccessKeys never shows it.
  const metadata = toMetadata(created.owner, created.row);
  return { AccessKey: { UserName: metadata.UserName, AccessKeyId: created.row.id, Status: 'Active', SecretAccessKey: secret, CreateDate: metadata.CreateDate } };
};

export const ListAccessKeys: Handler<Input<ListAccessKeysRequest>, ListAccessKeysResponse> = async (input, context) => {
  const { db } = context.store;
  const owner = await keyOwner(db, context, input.UserName);
  const { limit, after } = pageRequest(input);
  let query = db.selectFrom('access_keys').selectAll().where('owner_type', '=', owner.type).where('owner_id', '=', owner.id);
  if (after !== undefined) query = query.where('id', '>', after);
  const rows = await query.orderBy('id').limit(limit + 1).execute();
  const page = pageOf(rows, limit, (row) => row.id);
  return { AccessKeyMetadata: page.items.map((row) => toMetadata(owner, row)), ...pageResponse(page.next) };
};

export const UpdateAccessKey: Handler<Input<UpdateAccessKeyRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const owner = await keyOwner(tx, context, input.UserName);
    const row = await requireKey(tx, context, owner, input.AccessKeyId);
    // The model's status enum has Expired too, which only AWS itself sets (on service credentials).
    assertSettableStatus(input.Status);
    await tx.updateTable('access_keys').set({ status: input.Status }).where('id', '=', row.id).execute();
  });
};

export const DeleteAccessKey: Handler<Input<DeleteAccessKeyRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const owner = await keyOwner(tx, context, input.UserName);
    const row = await requireKey(tx, context, owner, input.AccessKeyId);
    await tx.deleteFrom('access_keys').where('id', '=', row.id).execute();
  });
};

/** What AWS reports for a key never used (IAM API, "AccessKeyLastUsed"). */
const NOT_USED = 'N/A';

export const GetAccessKeyLastUsed: Handler<Input<GetAccessKeyLastUsedRequest>, GetAccessKeyLastUsedResponse> = async (input, context) => {
  const row = await context.store.db
    .selectFrom('access_keys')
    .leftJoin('users', (join) => join.onRef('users.id', '=', 'access_keys.owner_id').on('access_keys.owner_type', '=', 'user'))
    .select(['access_keys.last_used_at', 'access_keys.last_used_service', 'access_keys.last_used_region', 'users.name'])
    .where('access_keys.id', '=', input.AccessKeyId)
    .where('access_keys.account_id', '=', context.caller.accountId)
    .executeTakeFirst();
  // The model lists no error for this operation: a key the caller's account does not hold is one it may not ask about.
  if (!row) throw new AccessDenied(`User: ${context.caller.arn} is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key ${input.AccessKeyId}`);
  return {
    ...(row.name !== null && { UserName: row.name }),
    AccessKeyLastUsed: {
      ...(row.last_used_at !== null && { LastUsedDate: new Date(row.last_used_at) }),
      ServiceName: row.last_used_service ?? NOT_USED,
      Region: row.last_used_region ?? NOT_USED,
    },
  };
};
