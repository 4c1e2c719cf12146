/** The credential report through the real SDK, on SQLite and PostgreSQL, against AWS's documented columns and values. */
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  GetUserCommand,
  UpdateAccessKeyCommand,
  UpdateSigningCertificateCommand,
  UploadSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { base32Decode, hotp } from '../../src/iam/totp.js';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

// IAM UG, "Getting credential reports for your AWS account": the columns, in this order.
const AWS_COLUMNS =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,' +
  'access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
  'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,' +
  'cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;

type Report = { header: string; rows: Map<string, Record<string, string>> };

function parseReport(content: Uint8Array | undefined): Report {
  const [header = '', ...lines] = Buffer.from(content ?? new Uint8Array()).toString('utf8').split('\n');
  const columns = header.split(',');
  const rows = new Map<string, Record<string, string>>();
  for (const line of lines) {
    const values = line.split(',');
    rows.set(values[0] ?? '', Object.fromEntries(columns.map((c, i) => [c, values[i] ?? ''])));
  }
  return { header, rows };
}

describe.each(BACKENDS)('credential report on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  const reportKey = () => `credential_report/${t.accountId}`;

  it('answers ReportNotPresent (410) before any report was generated', async () => {
    const error = await failure(t.iam.send(new GetCredentialReportCommand({})));
    expect(error).toMatchObject({ name: 'ReportNotPresent', status: 410 });
  });

  it('starts a report, then answers COMPLETE while it is fresh', async () => {
    const first = await t.iam.send(new GenerateCredentialReportCommand({}));
    expect(first.State).toBe('STARTED');
    const second = await t.iam.send(new GenerateCredentialReportCommand({}));
    expect(second.State).toBe('COMPLETE');
    const report = await t.iam.send(new GetCredentialReportCommand({}));
    expect(report.ReportFormat).toBe('text/csv');
    expect(report.GeneratedTime).toBeInstanceOf(Date);
    expect(Math.abs((report.GeneratedTime?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    const { header, rows } = parseReport(report.Content);
    expect(header).toBe(AWS_COLUMNS);
    // The root's row comes first: password_enabled, password_last_changed and password_next_rotation
    // are always not_supported; no sign-in of the root is recorded here, so no_information.
    const lines = Buffer.from(report.Content ?? new Uint8Array()).toString('utf8').split('\n');
    expect(lines[1]?.startsWith(`<root_account>,arn:aws:iam::${t.accountId}:root,`)).toBe(true);
    const root = rows.get('<root_account>');
    expect(root).toMatchObject({ password_enabled: 'not_supported', password_last_used: 'no_information', password_last_changed: 'not_supported', password_next_rotation: 'not_supported', mfa_active: 'false' });
    expect(root?.['user_creation_time']).toMatch(ISO);
    expect(root?.['access_key_1_active']).toBe('true');
    expect(root?.['access_key_1_last_rotated']).toMatch(ISO);
  });

  it("describes a user's password, MFA and two keys as AWS documents them", async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'report-alice', Path: '/eng/' }));
    await t.iam.send(new CreateUserCommand({ UserName: 'report-bob' }));
    await t.iam.send(new CreateLoginProfileCommand({ UserName: 'report-alice', Password: 'Correct-Horse-9-Battery' }));
    // A password policy that expires passwords after 90 days gives a next rotation.
    await t.server.store.db.updateTable('accounts').set({ password_policy: JSON.stringify({ MinimumPasswordLength: 8, MaxPasswordAge: 90 }) }).where('id', '=', t.accountId).execute();
    const first = await t.iam.send(new CreateAccessKeyCommand({ UserName: 'report-alice' }));
    const second = await t.iam.send(new CreateAccessKeyCommand({ UserName: 'report-alice' }));
    await t.iam.send(new UpdateAccessKeyCommand({ UserName: 'report-alice', AccessKeyId: second.AccessKey?.AccessKeyId, Status: 'Inactive' }));
    const key = first.AccessKey;
    // Alice has no permissions: the call is denied, but her key was used all the same.
    await t.iamAs({ accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' }).send(new GetUserCommand({})).catch(() => undefined);
    // The server records a key's use after answering: wait for the record before generating.
    await vi.waitFor(
      async () => {
        const row = await t.server.store.db.selectFrom('access_keys').select('last_used_at').where('id', '=', key?.AccessKeyId ?? '').executeTakeFirst();
        expect(row?.last_used_at).toBeTruthy();
      },
      { timeout: 10_000, interval: 50 },
    );
    const { VirtualMFADevice } = await t.iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'report-alice' }));
    const seed = base32Decode(Buffer.from(VirtualMFADevice?.Base32StringSeed ?? new Uint8Array()).toString('ascii'));
    const step = Math.floor(Date.now() / 30_000) - 1;
    await t.iam.send(new EnableMFADeviceCommand({ UserName: 'report-alice', SerialNumber: VirtualMFADevice?.SerialNumber, AuthenticationCode1: hotp(seed, step), AuthenticationCode2: hotp(seed, step + 1) }));

    // Two signing certificates, the second made inactive.
    const fixture = (path: string) => readFileSync(new URL(`../fixtures/certificates/${path}`, import.meta.url), 'utf8');
    await t.iam.send(new UploadSigningCertificateCommand({ UserName: 'report-alice', CertificateBody: fixture('third-cert.pem') }));
    const cert2 = await t.iam.send(new UploadSigningCertificateCommand({ UserName: 'report-alice', CertificateBody: fixture('fourth-cert.pem') }));
    await t.iam.send(new UpdateSigningCertificateCommand({ UserName: 'report-alice', CertificateId: cert2.Certificate?.CertificateId, Status: 'Inactive' }));

    // The earlier report is still fresh: remove it, as if four hours had passed and it were replaced.
    await t.server.store.db.deleteFrom('settings').where('key', '=', reportKey()).execute();
    expect((await t.iam.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    const { rows } = parseReport((await t.iam.send(new GetCredentialReportCommand({}))).Content);

    const alice = rows.get('report-alice');
    expect(alice?.['arn']).toBe(`arn:aws:iam::${t.accountId}:user/eng/report-alice`);
    expect(alice?.['user_creation_time']).toMatch(ISO);
    expect(alice?.['password_enabled']).toBe('true');
    // A password never used to sign in: no_information.
    expect(alice?.['password_last_used']).toBe('no_information');
    expect(alice?.['password_last_changed']).toMatch(ISO);
    const changed = Date.parse(alice?.['password_last_changed'] ?? '');
    expect(Date.parse(alice?.['password_next_rotation'] ?? '')).toBe(changed + 90 * 86_400_000);
    expect(alice?.['mfa_active']).toBe('true');
    expect(alice?.['access_key_1_active']).toBe('true');
    expect(alice?.['access_key_1_last_rotated']).toMatch(ISO);
    expect(alice?.['access_key_1_last_used_date']).toMatch(ISO);
    expect(alice?.['access_key_1_last_used_region']).toBe('us-east-1');
    expect(alice?.['access_key_1_last_used_service']).toBe('iam');
    // The second key is inactive and was never used: N/A for its use.
    expect(alice).toMatchObject({ access_key_2_active: 'false', access_key_2_last_used_date: 'N/A', access_key_2_last_used_region: 'N/A', access_key_2_last_used_service: 'N/A' });
    expect(alice?.['access_key_2_last_rotated']).toMatch(ISO);
    expect(alice).toMatchObject({ cert_1_active: 'true', cert_2_active: 'false' });
    expect(alice?.['cert_1_last_rotated']).toMatch(ISO);
    expect(alice?.['cert_2_last_rotated']).toMatch(ISO);

    // A user without password or keys: false and N/A throughout.
    expect(rows.get('report-bob')).toMatchObject({
      password_enabled: 'false',
      password_last_used: 'N/A',
      password_last_changed: 'N/A',
      password_next_rotation: 'N/A',
      mfa_active: 'false',
      access_key_1_active: 'false',
      access_key_1_last_rotated: 'N/A',
      access_key_1_last_used_date: 'N/A',
      access_key_2_active: 'false',
      access_key_2_last_rotated: 'N/A',
      cert_1_active: 'false',
      cert_1_last_rotated: 'N/A',
      cert_2_active: 'false',
      cert_2_last_rotated: 'N/A',
    });
    // Every row has every column.
    for (const row of rows.values()) expect(Object.keys(row)).toHaveLength(22);
  });

  it('answers ReportExpired (410) for a report older than four hours, and Generate starts a new one', async () => {
    const stored = await t.server.store.db.selectFrom('settings').select('value').where('key', '=', reportKey()).executeTakeFirstOrThrow();
    const old = { ...(JSON.parse(stored.value) as { generatedAt: number; csv: string }), generatedAt: Date.now() - 4 * 3_600_000 - 1000 };
    await t.server.store.db.updateTable('settings').set({ value: JSON.stringify(old) }).where('key', '=', reportKey()).execute();
    const error = await failure(t.iam.send(new GetCredentialReportCommand({})));
    expect(error).toMatchObject({ name: 'ReportExpired', status: 410 });
    expect((await t.iam.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    const fresh = await t.iam.send(new GetCredentialReportCommand({}));
    expect(Math.abs((fresh.GeneratedTime?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
  });
});
