/**
 * The credential report: one CSV row per IAM user (and the account root first) saying how its
 * password, MFA and access keys stand (IAM UG, "Getting credential reports for your AWS account").
 * GenerateCredentialReport builds it from what the store records and keeps it, with the time it
 * was made, in the settings table; GetCredentialReport hands it out for four hours.
 */
import type { GenerateCredentialReportResponse, GetCredentialReportResponse } from '@aws-sdk/client-iam';
import { defineError } from '../shared/service-error.js';
import type { Db } from '../store/store.js';
import { entityArn } from './arns.js';
import type { Handler, OperationContext } from './context.js';
import { maxPasswordAge, passwordExpiresAt, passwordsSetAt } from './passwords.js';

// The report's own errors live here: no other operation answers them (IAM API, "GetCredentialReport", Errors).
/** No report has been generated yet. */
export const ReportNotPresent = defineError('ReportNotPresent', 410);
/** The last report is older than four hours. */
export const ReportExpired = defineError('ReportExpired', 410);

/** The report's columns, in AWS's order (IAM UG, "Credential report format"). */
export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

/** AWS reuses a report for four hours; after that Generate makes a new one and Get calls it expired. */
export const REPORT_LIFETIME_MS = 4 * 60 * 60 * 1000;

const NA = 'N/A';
const NOT_SUPPORTED = 'not_supported';
const NO_INFORMATION = 'no_information';

type Column = (typeof CREDENTIAL_REPORT_COLUMNS)[number];
type ReportRow = Record<Column, string>;

interface StoredReport {
  readonly generatedAt: number;
  readonly csv: string;
}

function settingsKey(accountId: string): string {
  return `credential_report/${accountId}`;
}

/** An instant as the report writes it: ISO 8601 to the second with an explicit UTC offset, `2014-08-28T21:42:50+00:00`. */
export function reportTime(instant: string | number | Date): string {
  return new Date(instant).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function flag(value: boolean): string {
  return value ? 'true' : 'false';
}

interface KeyRow {
  readonly status: 'Active' | 'Inactive';
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly last_used_service: string | null;
  readonly last_used_region: string | null;
}

/** The four access-key columns of one key slot; a missing key is FALSE and N/A throughout. */
function keyColumns(key: KeyRow | undefined): [string, string, string, string, string] {
  if (key === undefined) return [flag(false), NA, NA, NA, NA];
  // A key never used shows N/A for its last use, region and service (IAM UG, "Credential report format").
  const used = key.last_used_at !== null;
  return [
    flag(key.status === 'Active'),
    reportTime(key.created_at),
    used ? reportTime(key.last_used_at) : NA,
    used && key.last_used_region ? key.last_used_region : NA,
    used && key.last_used_service ? key.last_used_service : NA,
  ];
}

function keyFields(keys: readonly KeyRow[]): Pick<ReportRow, `access_key_${1 | 2}_${'active' | 'last_rotated' | 'last_used_date' | 'last_used_region' | 'last_used_service'}`> {
  const [a1, r1, d1, g1, s1] = keyColumns(keys[0]);
  const [a2, r2, d2, g2, s2] = keyColumns(keys[1]);
  return {
    access_key_1_active: a1,
    access_key_1_last_rotated: r1,
    access_key_1_last_used_date: d1,
    access_key_1_last_used_region: g1,
    access_key_1_last_used_service: s1,
    access_key_2_active: a2,
    access_key_2_last_rotated: r2,
    access_key_2_last_used_date: d2,
    access_key_2_last_used_region: g2,
    access_key_2_last_used_service: s2,
  };
}

/** The two signing-certificate slots, oldest first: FALSE and N/A for an empty one. */
function certificateFields(certificates: readonly { readonly status: 'Active' | 'Inactive'; readonly created_at: string }[]): Pick<ReportRow, `cert_${1 | 2}_${'active' | 'last_rotated'}`> {
  const [c1, c2] = certificates;
  return {
    cert_1_active: flag(c1?.status === 'Active'),
    cert_1_last_rotated: c1 ? reportTime(c1.created_at) : NA,
    cert_2_active: flag(c2?.status === 'Active'),
    cert_2_last_rotated: c2 ? reportTime(c2.created_at) : NA,
  };
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The report's CSV text: the header, the root's row, then each user's in name order. */
export async function buildCredentialReport(db: Db, context: OperationContext): Promise<string> {
  const accountId = context.caller.accountId;
  const [account, users, passwordSet, keys, devices, certificates, maxAge] = await Promise.all([
    db.selectFrom('accounts').select('created_at').where('id', '=', accountId).executeTakeFirst(),
    db.selectFrom('users').select(['id', 'name', 'path', 'created_at', 'password_last_used']).where('account_id', '=', accountId).orderBy('name_lower').execute(),
    passwordsSetAt(db, accountId),
    db
      .selectFrom('access_keys')
      .select(['owner_type', 'owner_id', 'status', 'created_at', 'last_used_at', 'last_used_service', 'last_used_region', 'id'])
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
    db.selectFrom('mfa_devices').select('user_id').where('account_id', '=', accountId).where('user_id', 'is not', null).execute(),
    db.selectFrom('signing_certificates').select(['user_id', 'status', 'created_at', 'id']).where('account_id', '=', accountId).orderBy('created_at').orderBy('id').execute(),
    maxPasswordAge(db, accountId),
  ]);
  const keysOf = (type: 'user' | 'root', id: string) => keys.filter((k) => k.owner_type === type && k.owner_id === id);
  const withMfa = new Set(devices.map((d) => d.user_id));

  // The root's password columns are not_supported, and its sign-ins are not recorded here (IAM UG, "Credential report format").
  const rows: ReportRow[] = [
    {
      user: '<root_account>',
      arn: `arn:${context.config.partition}:iam::${accountId}:root`,
      user_creation_time: reportTime(account?.created_at ?? 0),
      password_enabled: NOT_SUPPORTED,
      password_last_used: NO_INFORMATION,
      password_last_changed: NOT_SUPPORTED,
      password_next_rotation: NOT_SUPPORTED,
      mfa_active: flag(withMfa.has(accountId)),
      ...keyFields(keysOf('root', accountId)),
      // Signing certificates here belong to IAM users only.
      ...certificateFields([]),
    },
  ];
  for (const user of users) {
    const changed = passwordSet.get(user.id);
    const hasPassword = changed !== undefined;
    const nextRotation = changed === undefined ? undefined : passwordExpiresAt(changed, maxAge);
    rows.push({
      user: user.name,
      arn: entityArn(context, 'user', user.path, user.name),
      user_creation_time: reportTime(user.created_at),
      password_enabled: flag(hasPassword),
      // N/A without a password; no_information for a password never used to sign in.
      password_last_used: !hasPassword ? NA : user.password_last_used ? reportTime(user.password_last_used) : NO_INFORMATION,
      password_last_changed: hasPassword ? reportTime(changed) : NA,
      // Only a password policy that expires passwords gives a next rotation.
      password_next_rotation: nextRotation === undefined ? NA : reportTime(nextRotation),
      mfa_active: flag(withMfa.has(user.id)),
      ...keyFields(keysOf('user', user.id)),
      ...certificateFields(certificates.filter((c) => c.user_id === user.id)),
    });
  }
  const lines = [CREDENTIAL_REPORT_COLUMNS.join(','), ...rows.map((row) => CREDENTIAL_REPORT_COLUMNS.map((c) => csvField(row[c])).join(','))];
  return lines.join('\n');
}

async function storedReport(db: Db, accountId: string): Promise<StoredReport | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', settingsKey(accountId)).executeTakeFirst();
  return row ? (JSON.parse(row.value) as StoredReport) : undefined;
}

/**
 * Starts a report when none younger than four hours exists, answering STARTED; with a fresh one,
 * COMPLETE. The report is built at once, so the next call already finds it complete.
 */
export const GenerateCredentialReport: Handler<never, GenerateCredentialReportResponse> = async (_input, context) => {
  const { store, caller, clock } = context;
  const now = clock.now();
  const existing = await storedReport(store.db, caller.accountId);
  // A report dated after now (the clock was stepped back) is made again, as one past its lifetime.
  const age = existing ? now - existing.generatedAt : -1;
  if (age >= 0 && age < REPORT_LIFETIME_MS) return { State: 'COMPLETE' };
  const csv = await buildCredentialReport(store.db, context);
  const value = JSON.stringify({ generatedAt: now, csv } satisfies StoredReport);
  await store.db
    .insertInto('settings')
    .values({ key: settingsKey(caller.accountId), value })
    .onConflict((c) => c.column('key').doUpdateSet({ value }))
    .execute();
  return { State: 'STARTED', Description: 'No report exists. Starting a new report generation task' };
};

export const GetCredentialReport: Handler<never, GetCredentialReportResponse> = async (_input, context) => {
  const report = await storedReport(context.store.db, context.caller.accountId);
  if (!report) throw new ReportNotPresent('Credential report not present. Use GenerateCredentialReport to generate a report.');
  if (context.clock.now() - report.generatedAt >= REPORT_LIFETIME_MS) {
    throw new ReportExpired('The credential report has expired. Use GenerateCredentialReport to generate a new report.');
  }
  return { Content: Buffer.from(report.csv, 'utf8'), ReportFormat: 'text/csv', GeneratedTime: new Date(report.generatedAt) };
};
