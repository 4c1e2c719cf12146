/**
 * Many accounts on one server (operations of our own, in the deployport model). The management
 * account — the first one, made by the bootstrap — administers the server: its principals whose
 * policies allow `deployport:CreateAccount` (its root always may) create further accounts, each
 * with a root key and, on request, an administrator user with AdministratorAccess and a key. Keys
 * are shown once, in the answer, as CreateAccessKey shows them.
 */
import { AccessDenied } from '../authz/errors.js';
import { AWS_ACCOUNT } from './aws-managed.js';
import { iamArn } from '../shared/arn.js';
import { newAccountId, newId, newSecretAccessKey } from '../shared/ids.js';
import type { Sealer } from '../shared/seal.js';
import { pageOf } from '../store/repos/named-entities.js';
import type { Db, Store } from '../store/store.js';
import type { Handler, OperationContext } from './context.js';
import { pageRequest, pageResponse, type PageInput, type PageOutput } from './paging.js';

/** The settings key that names the management account. */
const MANAGEMENT_ACCOUNT = 'management_account';

/** CreateAccount's input, as the deployport model defines it. */
export interface CreateAccountInput {
  readonly AdminUserName?: string;
}

/** An account as ListAccounts and CreateAccount describe it. */
export interface AccountDescription {
  AccountId: string;
  Arn: string;
  AccountAlias?: string;
  CreateDate: string;
  IsManagementAccount: boolean;
}

/** A key pair, shown once. */
interface KeyPair {
  AccessKeyId: string;
  SecretAccessKey: string;
}

/** CreateAccount's output: the account, its root key and, if asked for, its administrator's key. */
export interface CreateAccountOutput {
  Account: AccountDescription;
  RootAccessKey: KeyPair;
  AdminAccessKey?: KeyPair & { UserName: string; Status: 'Active'; CreateDate: string };
}

/**
 * Records the management account, once: the earliest account, which is the bootstrap's. Safe on
 * several nodes starting together (the first insert wins, the others change nothing).
 */
export async function ensureManagementAccount(store: Store): Promise<string | undefined> {
  const known = await managementAccountId(store.db);
  if (known !== undefined) return known;
  const first = await store.db.selectFrom('accounts').select('id').orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
  if (!first) return undefined;
  await store.db.insertInto('settings').values({ key: MANAGEMENT_ACCOUNT, value: first.id }).onConflict((c) => c.column('key').doNothing()).execute();
  return managementAccountId(store.db);
}

/** The id of the account whose principals administer the server, if one is recorded. */
export async function managementAccountId(db: Db): Promise<string | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', MANAGEMENT_ACCOUNT).executeTakeFirst();
  return row?.value;
}

/**
 * Server administration is for the management account's principals only. Their own policies were
 * checked by the generic step (`deployport:<Operation>` on `*`); a principal of any other account,
 * even its root, is refused here, whatever its policies say.
 */
async function requireManagementCaller(context: OperationContext, action: string): Promise<string> {
  const management = await managementAccountId(context.store.db);
  if (management === undefined || context.caller.accountId !== management) {
    throw new AccessDenied(`User: ${context.caller.arn} is not authorized to perform: ${action} on resource: * because only principals of the management account may administer the server`);
  }
  return management;
}

/** Creates a long-term access key for the root (ownerId = account id) or a user; the secret is sealed. */
async function createKey(db: Db, sealer: Sealer, accountId: string, ownerType: 'root' | 'user', ownerId: string, now: string): Promise<KeyPair> {
  const AccessKeyId = newId('accessKey');
  const SecretAccessKey = newSecretAccessKey();
  await db
    .insertInto('access_keys')
    .values({ id: AccessKeyId, account_id: accountId, owner_type: ownerType, owner_id: ownerId, secret_sealed: sealer.seal(SecretAccessKey), status: 'Active', created_at: now, last_used_at: null, last_used_service: null, last_used_region: null })
    .execute();
  return { AccessKeyId, SecretAccessKey };
}

function describe(row: { id: string; alias: string | null; created_at: string }, partition: string, management: string | undefined): AccountDescription {
  return {
    AccountId: row.id,
    Arn: iamArn(partition, row.id, '', '', 'root'),
    ...(row.alias !== null && { AccountAlias: row.alias }),
    CreateDate: row.created_at,
    IsManagementAccount: row.id === management,
  };
}

/** A new account's records: the account, its root key and, if named, an administrator user. */
export interface NewAccount {
  readonly accountId: string;
  readonly root: KeyPair;
  readonly admin?: KeyPair & { UserName: string };
}

/**
 * Writes a new account, its root key and, given `adminUserName`, an administrator user with
 * AdministratorAccess and a key; inside the caller's transaction. The bootstrap's first account
 * and CreateAccount's are made the same way.
 */
export async function createAccountRecords(tx: Db, options: { sealer: Sealer; partition: string; now: string; adminUserName?: string }): Promise<NewAccount> {
  const { sealer, partition, now, adminUserName } = options;
  // Ids are random in 9·10^11: a collision fails the insert (ConcurrentModification), never merges accounts.
  const accountId = newAccountId();
  await tx.insertInto('accounts').values({ id: accountId, alias: null, created_at: now, password_policy: null }).execute();
  const root = await createKey(tx, sealer, accountId, 'root', accountId, now);
  if (adminUserName === undefined) return { accountId, root };
  const userId = newId('user');
  await tx.insertInto('users').values({ id: userId, account_id: accountId, name: adminUserName, name_lower: adminUserName.toLowerCase(), path: '/', created_at: now, boundary_arn: null, password_last_used: null }).execute();
  const admin = await tx.selectFrom('policies').select('id').where('arn', '=', iamArn(partition, AWS_ACCOUNT, 'policy', '/', 'AdministratorAccess')).executeTakeFirstOrThrow();
  await tx.insertInto('attachments').values({ principal_type: 'user', principal_id: userId, policy_id: admin.id }).execute();
  return { accountId, root, admin: { UserName: adminUserName, ...(await createKey(tx, sealer, accountId, 'user', userId, now)) } };
}

/** CreateAccount: a new account with its root key and, given AdminUserName, an administrator user and key. */
export const CreateAccount: Handler<CreateAccountInput, CreateAccountOutput> = async (input, context) => {
  const management = await requireManagementCaller(context, 'deployport:CreateAccount');
  const { store, sealer, config } = context;
  const now = new Date(context.clock.now()).toISOString();
  const made = await store.transaction((tx) => createAccountRecords(tx, { sealer, partition: config.partition, now, adminUserName: input.AdminUserName }));
  return {
    Account: describe({ id: made.accountId, alias: null, created_at: now }, config.partition, management),
    RootAccessKey: made.root,
    ...(made.admin && { AdminAccessKey: { ...made.admin, Status: 'Active' as const, CreateDate: now } }),
  };
};

/** ListAccounts: every account of the server, by id, a page at a time. */
export const ListAccounts: Handler<PageInput, { Accounts: AccountDescription[] } & PageOutput> = async (input, context) => {
  const management = await requireManagementCaller(context, 'deployport:ListAccounts');
  const { limit, after } = pageRequest(input);
  let query = context.store.db.selectFrom('accounts').select(['id', 'alias', 'created_at']).orderBy('id').limit(limit + 1);
  if (after !== undefined) query = query.where('id', '>', after);
  const page = pageOf(await query.execute(), limit, (row) => row.id);
  return { Accounts: page.items.map((row) => describe(row, context.config.partition, management)), ...pageResponse(page.next) };
};
