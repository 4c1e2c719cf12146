/**
 * First start: an account, its root credentials (printed once, never stored in a profile: AWS
 * refuses AssumeRole to the root), and, as AWS recommends, an administrator IAM user `admin` with
 * AdministratorAccess whose access key goes to the `default` profile of the AWS CLI's credentials
 * file unless that profile exists. Every start: the AWS-managed policies are present.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { iamArn } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import { newAccountId, newId, newSecretAccessKey } from '../shared/ids.js';
import { formatIni, parseIni } from '../shared/ini.js';
import type { Sealer } from '../shared/seal.js';
import { AWS_ACCOUNT, AWS_MANAGED_POLICIES } from '../iam/aws-managed.js';
import type { Store } from '../store/store.js';
import type { Db } from '../store/store.js';

/** Keys made on first start. */
export interface BootstrapResult {
  readonly accountId: string;
  readonly root: { accessKeyId: string; secretAccessKey: string };
  readonly admin: { userName: string; accessKeyId: string; secretAccessKey: string };
}

/** Makes sure the AWS-managed policies exist (idempotent; safe on several nodes at once). */
export async function ensureAwsManagedPolicies(store: Store, partition: string, clock: Clock): Promise<void> {
  const now = new Date(clock.now()).toISOString();
  await store.transaction(async (tx) => {
    for (const policy of AWS_MANAGED_POLICIES) {
      const arn = iamArn(partition, AWS_ACCOUNT, 'policy', '/', policy.name);
      const existing = await tx.selectFrom('policies').select('id').where('arn', '=', arn).executeTakeFirst();
      if (existing) continue;
      const id = newId('policy');
      await tx
        .insertInto('policies')
        .values({ id, account_id: AWS_ACCOUNT, name: policy.name, name_lower: policy.name.toLowerCase(), path: '/', created_at: now, arn, description: policy.description, default_version_id: 'v1', next_version: 2, updated_at: now })
        .execute();
      await tx.insertInto('policy_versions').values({ policy_id: id, version_id: 'v1', document: JSON.stringify(policy.document), created_at: now }).execute();
    }
  });
}

/** Creates the first account and its administrator, unless an account exists. */
export async function bootstrapAccount(store: Store, options: { partition: string; clock: Clock; sealer: Sealer }): Promise<BootstrapResult | undefined> {
  const { partition, clock, sealer } = options;
  return store.transaction(async (tx) => {
    const any = await tx.selectFrom('accounts').select('id').limit(1).executeTakeFirst();
    if (any) return undefined;
    const accountId = newAccountId();
    const now = new Date(clock.now()).toISOString();
    await tx.insertInto('accounts').values({ id: accountId, alias: null, created_at: now, password_policy: null }).execute();
    const root = await createKey(tx, sealer, accountId, 'root', accountId, now);
    const userId = newId('user');
    await tx.insertInto('users').values({ id: userId, account_id: accountId, name: 'admin', name_lower: 'admin', path: '/', created_at: now, boundary_arn: null, password_last_used: null }).execute();
    const admin = await tx.selectFrom('policies').select('id').where('arn', '=', iamArn(partition, AWS_ACCOUNT, 'policy', '/', 'AdministratorAccess')).executeTakeFirstOrThrow();
    await tx.insertInto('attachments').values({ principal_type: 'user', principal_id: userId, policy_id: admin.id }).execute();
    const adminKey = await createKey(tx, sealer, accountId, 'user', userId, now);
    return { accountId, root, admin: { userName: 'admin', ...adminKey } };
  });
}

async function createKey(db: Db, sealer: Sealer, accountId: string, ownerType: 'root' | 'user', ownerId: string, now: string) {
  const accessKeyId = newId('accessKey');
  const secretAccessKey = newSecretAccessKey();
  await db
    .insertInto('access_keys')
    .values({ id: accessKeyId, account_id: accountId, owner_type: ownerType, owner_id: ownerId, secret_sealed: sealer.seal(secretAccessKey), status: 'Active', created_at: now, last_used_at: null, last_used_service: null, last_used_region: null })
    .execute();
  return { accessKeyId, secretAccessKey };
}

/**
 * Writes the administrator's key to the `default` profile of the AWS CLI's files, unless that
 * profile exists there already. Answers whether it wrote.
 */
export function writeDefaultProfile(files: { credentialsFile: string; configFile: string }, key: { accessKeyId: string; secretAccessKey: string }, settings: { region: string; endpoint: string }): boolean {
  const credentials = readSections(files.credentialsFile);
  if (credentials.has('default')) return false;
  credentials.set('default', new Map([['aws_access_key_id', key.accessKeyId], ['aws_secret_access_key', key.secretAccessKey]]));
  writeSections(files.credentialsFile, credentials);
  const config = readSections(files.configFile);
  if (!config.has('default')) {
    config.set('default', new Map([['region', settings.region], ['endpoint_url', settings.endpoint]]));
    writeSections(files.configFile, config);
  }
  return true;
}

function readSections(file: string) {
  return existsSync(file) ? parseIni(readFileSync(file, 'utf8')) : new Map<string, Map<string, string>>();
}

function writeSections(file: string, sections: Map<string, Map<string, string>>): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, formatIni(sections), { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write: make sure secrets are private
}
