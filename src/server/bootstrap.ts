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
import { newId } from '../shared/ids.js';
import { formatIni, parseIni } from '../shared/ini.js';
import type { Sealer } from '../shared/seal.js';
import { AWS_ACCOUNT, AWS_MANAGED_POLICIES } from '../iam/aws-managed.js';
import type { Store } from '../store/store.js';
import { createAccountRecords } from '../iam/accounts.js';

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
      const path = policy.path ?? '/';
      const arn = iamArn(partition, AWS_ACCOUNT, 'policy', path, policy.name);
      const existing = await tx.selectFrom('policies').select('id').where('arn', '=', arn).executeTakeFirst();
      if (existing) continue;
      const id = newId('policy');
      await tx
        .insertInto('policies')
        .values({ id, account_id: AWS_ACCOUNT, name: policy.name, name_lower: policy.name.toLowerCase(), path, created_at: now, arn, description: policy.description, default_version_id: 'v1', next_version: 2, updated_at: now })
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
    const made = await createAccountRecords(tx, { sealer, partition, now: new Date(clock.now()).toISOString(), adminUserName: 'admin' });
    const admin = made.admin!;
    return {
      accountId: made.accountId,
      root: { accessKeyId: made.root.AccessKeyId, secretAccessKey: made.root.SecretAccessKey },
      admin: { userName: admin.UserName, accessKeyId: admin.AccessKeyId, secretAccessKey: admin.SecretAccessKey },
    };
  });
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
