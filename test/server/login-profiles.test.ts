/** Console passwords (login profiles) through the real SDK, on SQLite and PostgreSQL. */
import {
  ChangePasswordCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteLoginProfileCommand,
  CreateRoleCommand,
  DeleteUserCommand,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  GetLoginProfileCommand,
  IAMClient,
  PutUserPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
  UpdateLoginProfileCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/iam/passwords.js';
import { ManualClock } from '../../src/shared/clock.js';
import { BACKENDS, failure, startTestServer, type Credentials, type TestServer } from '../helpers/server.js';

const GOOD = 'Correct-Horse-9';

describe.each(BACKENDS)('login profiles on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });


  async function setPasswordPolicy(policy: object | null): Promise<void> {
    await t.server.store.db.updateTable('accounts').set({ password_policy: policy && JSON.stringify(policy) }).where('id', '=', t.accountId).execute();
  }

  it('creates a login profile, storing only a salted scrypt hash', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'alice' }));
    const created = await t.iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: GOOD, PasswordResetRequired: true }));
    expect(created.LoginProfile).toMatchObject({ UserName: 'alice', PasswordResetRequired: true });
    expect(created.LoginProfile?.CreateDate).toBeInstanceOf(Date);
    const hash = await storedHash(t, 'alice');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(hash).not.toContain(GOOD);
    expect(await verifyPassword(GOOD, hash)).toBe(true);
    expect(await verifyPassword('Correct-Horse-8', hash)).toBe(false);
    const got = await t.iam.send(new GetLoginProfileCommand({ UserName: 'ALICE' }));
    expect(got.LoginProfile).toEqual(created.LoginProfile);
  });

  it('salts each hash: one password twice gives two hashes', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'twin' }));
    await t.iam.send(new CreateLoginProfileCommand({ UserName: 'twin', Password: GOOD }));
    expect(await storedHash(t, 'twin')).not.toBe(await storedHash(t, 'alice'));
  });

  it('refuses a second login profile with EntityAlreadyExists', async () => {
    const error = await failure(t.iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: GOOD })));
    expect(error).toMatchObject({ name: 'EntityAlreadyExists', status: 409, message: 'Login Profile for user alice already exists.' });
  });

  it('answers NoSuchEntity for a missing user or a user without a login profile', async () => {
    expect(await failure(t.iam.send(new CreateLoginProfileCommand({ UserName: 'nobody', Password: GOOD })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    await t.iam.send(new CreateUserCommand({ UserName: 'bob' }));
    const error = await failure(t.iam.send(new GetLoginProfileCommand({ UserName: 'bob' })));
    expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404, message: 'Login Profile for User bob cannot be found.' });
    expect((await failure(t.iam.send(new UpdateLoginProfileCommand({ UserName: 'bob', Password: GOOD })))).name).toBe('NoSuchEntity');
    expect((await failure(t.iam.send(new DeleteLoginProfileCommand({ UserName: 'bob' })))).name).toBe('NoSuchEntity');
  });

  it('answers ValidationError for an empty or too long password and a bad user name', async () => {
    expect(await failure(t.iam.send(new CreateLoginProfileCommand({ UserName: 'bob', Password: '' })))).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(await failure(t.iam.send(new CreateLoginProfileCommand({ UserName: 'bob', Password: 'Aa1!'.repeat(33) })))).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(await failure(t.iam.send(new CreateLoginProfileCommand({ UserName: 'bad name', Password: GOOD })))).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it("applies AWS's default policy without an account policy: 8 characters, three kinds of character", async () => {
    for (const weak of ['Short1!', 'alllowercaseletters', 'lowercase123']) {
      const error = await failure(t.iam.send(new CreateLoginProfileCommand({ UserName: 'bob', Password: weak })));
      expect(error).toMatchObject({ name: 'PasswordPolicyViolation', status: 400 });
    }
    await t.server.store.db.updateTable('accounts').set({ alias: 'acme-corp-2024' }).where('id', '=', t.accountId).execute();
    try {
      const sameAsAccount = await failure(t.iam.send(new CreateLoginProfileCommand({ UserName: 'bob', Password: 'acme-corp-2024' })));
      expect(sameAsAccount).toMatchObject({ name: 'PasswordPolicyViolation', status: 400 });
    } finally {
      await t.server.store.db.updateTable('accounts').set({ alias: null }).where('id', '=', t.accountId).execute();
    }
    await t.iam.send(new CreateLoginProfileCommand({ UserName: 'bob', Password: 'Lowercase123' }));
    await t.iam.send(new DeleteLoginProfileCommand({ UserName: 'bob' }));
  });

  it("applies the account's password policy when there is one", async () => {
    await setPasswordPolicy({ MinimumPasswordLength: 12, RequireSymbols: true, RequireNumbers: true });
    try {
      const short = await failure(t.iam.send(new CreateLoginProfileCommand({ UserName: 'bob', Password: 'Lowercase1!' })));
      expect(short).toMatchObject({ name: 'PasswordPolicyViolation', status: 400, message: 'Password should have a minimum length of 12' });
      const noSymbol = await failure(t.iam.send(new CreateLoginProfileCommand({ UserName: 'bob', Password: 'Lowercase1234' })));
      expect(noSymbol).toMatchObject({ name: 'PasswordPolicyViolation', message: 'Password should have at least one symbol' });
      // A custom policy asks only what it says: no three-kinds rule.
      await t.iam.send(new CreateLoginProfileCommand({ UserName: 'bob', Password: 'lowercase12!' }));
    } finally {
      await setPasswordPolicy(null);
    }
  });

  it('updates the password and the reset flag, under the same policy', async () => {
    const before = await storedHash(t, 'alice');
    await t.iam.send(new UpdateLoginProfileCommand({ UserName: 'alice', Password: 'Another-Pass-2', PasswordResetRequired: false }));
    const after = await storedHash(t, 'alice');
    expect(after).not.toBe(before);
    expect(await verifyPassword('Another-Pass-2', after)).toBe(true);
    expect((await t.iam.send(new GetLoginProfileCommand({ UserName: 'alice' }))).LoginProfile?.PasswordResetRequired).toBe(false);
    await t.iam.send(new UpdateLoginProfileCommand({ UserName: 'alice', PasswordResetRequired: true }));
    expect(await storedHash(t, 'alice')).toBe(after);
    expect((await t.iam.send(new GetLoginProfileCommand({ UserName: 'alice' }))).LoginProfile?.PasswordResetRequired).toBe(true);
    const weak = await failure(t.iam.send(new UpdateLoginProfileCommand({ UserName: 'alice', Password: 'weak' })));
    expect(weak).toMatchObject({ name: 'PasswordPolicyViolation', status: 400 });
  });

  it('refuses a password among the last PasswordReusePrevention ones, and accepts an older one', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'reuser' }));
    await t.iam.send(new CreateLoginProfileCommand({ UserName: 'reuser', Password: 'First-Pass-1' }));
    await setPasswordPolicy({ MinimumPasswordLength: 8, PasswordReusePrevention: 2 });
    try {
      await t.iam.send(new UpdateLoginProfileCommand({ UserName: 'reuser', Password: 'Second-Pass-2' }));
      for (const used of ['Second-Pass-2', 'First-Pass-1']) {
        expect(await failure(t.iam.send(new UpdateLoginProfileCommand({ UserName: 'reuser', Password: used })))).toMatchObject({ name: 'PasswordPolicyViolation', status: 400, message: 'Password should not be one of the last 2 passwords used' });
      }
      await t.iam.send(new UpdateLoginProfileCommand({ UserName: 'reuser', Password: 'Third-Pass-3' }));
      // Two passwords later, the first is no longer among the last two.
      await t.iam.send(new UpdateLoginProfileCommand({ UserName: 'reuser', Password: 'First-Pass-1' }));
      expect(await verifyPassword('First-Pass-1', await storedHash(t, 'reuser'))).toBe(true);
    } finally {
      await setPasswordPolicy(null);
    }
  });

  it('keeps a user with a login profile from being deleted, until the profile is deleted', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'carol' }));
    await t.iam.send(new CreateLoginProfileCommand({ UserName: 'carol', Password: GOOD }));
    expect(await failure(t.iam.send(new DeleteUserCommand({ UserName: 'carol' })))).toMatchObject({ name: 'DeleteConflict', status: 409 });
    await t.iam.send(new DeleteLoginProfileCommand({ UserName: 'carol' }));
    expect((await failure(t.iam.send(new GetLoginProfileCommand({ UserName: 'carol' })))).name).toBe('NoSuchEntity');
    await t.iam.send(new DeleteUserCommand({ UserName: 'carol' }));
  });

  it('lets a user change its own password when it knows the old one', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'dave' }));
    const db = t.server.store.db;
    const user = await db.selectFrom('users').select('id').where('name', '=', 'dave').executeTakeFirstOrThrow();
    const policy = await db.selectFrom('policies').select('id').where('name', '=', 'AdministratorAccess').executeTakeFirstOrThrow();
    await db.insertInto('attachments').values({ principal_type: 'user', principal_id: user.id, policy_id: policy.id }).execute();
    await t.iam.send(new CreateLoginProfileCommand({ UserName: 'dave', Password: GOOD, PasswordResetRequired: true }));
    const { AccessKey } = await t.iam.send(new CreateAccessKeyCommand({ UserName: 'dave' }));
    const dave = t.iamAs({ accessKeyId: AccessKey?.AccessKeyId ?? '', secretAccessKey: AccessKey?.SecretAccessKey ?? '' });

    const wrong = await failure(dave.send(new ChangePasswordCommand({ OldPassword: 'Not-The-Old-1', NewPassword: 'Brand-New-Pass-3' })));
    expect(wrong).toMatchObject({ name: 'AccessDenied', status: 403, message: 'The old password is incorrect.' });
    expect(await verifyPassword(GOOD, await storedHash(t, 'dave'))).toBe(true);
    const weak = await failure(dave.send(new ChangePasswordCommand({ OldPassword: GOOD, NewPassword: 'weak' })));
    expect(weak).toMatchObject({ name: 'PasswordPolicyViolation', status: 400 });
    await dave.send(new ChangePasswordCommand({ OldPassword: GOOD, NewPassword: 'Brand-New-Pass-3' }));
    expect(await verifyPassword('Brand-New-Pass-3', await storedHash(t, 'dave'))).toBe(true);
    expect((await t.iam.send(new GetLoginProfileCommand({ UserName: 'dave' }))).LoginProfile?.PasswordResetRequired).toBe(false);
  });

  it('lets a user without iam:ChangePassword change its password only when the policy allows users to', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'frank' }));
    await t.iam.send(new CreateLoginProfileCommand({ UserName: 'frank', Password: GOOD }));
    const { AccessKey } = await t.iam.send(new CreateAccessKeyCommand({ UserName: 'frank' }));
    const frank = t.iamAs({ accessKeyId: AccessKey?.AccessKeyId ?? '', secretAccessKey: AccessKey?.SecretAccessKey ?? '' });
    const denied = await failure(frank.send(new ChangePasswordCommand({ OldPassword: GOOD, NewPassword: 'Brand-New-Pass-3' })));
    expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(denied.message).toContain('is not authorized to perform: iam:ChangePassword');
    await setPasswordPolicy({ MinimumPasswordLength: 8, AllowUsersToChangePassword: true });
    try {
      await frank.send(new ChangePasswordCommand({ OldPassword: GOOD, NewPassword: 'Brand-New-Pass-3' }));
      expect(await verifyPassword('Brand-New-Pass-3', await storedHash(t, 'frank'))).toBe(true);
    } finally {
      await setPasswordPolicy(null);
    }
  });

  it('refuses ChangePassword from the root with InvalidUserType', async () => {
    const error = await failure(t.iamAs(t.root).send(new ChangePasswordCommand({ OldPassword: GOOD, NewPassword: 'Brand-New-Pass-3' })));
    expect(error).toMatchObject({ name: 'InvalidUserType', status: 400 });
  });
});

const DAY = 86_400_000;

// The IAM UG's "IAM: Allows IAM users to change their own password" example, trimmed to the action.
const CHANGE_OWN_PASSWORD = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'iam:ChangePassword', Resource: 'arn:aws:iam::*:user/${aws:username}' }],
});

describe.each(BACKENDS)('password expiry on %s', (backend) => {
  // Whole seconds: the credential report writes instants to the second.
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend, { clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  // Clients that sign at the server's clock, so requests stay within the allowed skew as it moves.
  const iamAs = (credentials: Credentials) =>
    new IAMClient({ endpoint: t.url, region: 'us-east-1', credentials, maxAttempts: 1, systemClockOffset: clock.now() - Date.now() });
  const stsAs = (credentials: Credentials) =>
    new STSClient({ endpoint: t.url, region: 'us-east-1', credentials, maxAttempts: 1, systemClockOffset: clock.now() - Date.now() });
  const admin = () => iamAs(t.admin);

  async function passwordRow(userName: string): Promise<Record<string, string>> {
    // Each report is fresh for four hours: moving the clock past that makes Generate build a new one.
    clock.advance(4 * 60 * 60 * 1000);
    await admin().send(new GenerateCredentialReportCommand({}));
    const { Content } = await admin().send(new GetCredentialReportCommand({}));
    const [header = '', ...lines] = Buffer.from(Content ?? new Uint8Array()).toString('utf8').split('\n');
    const columns = header.split(',');
    const line = lines.find((l) => l.startsWith(`${userName},`)) ?? '';
    const values = line.split(',');
    const row = Object.fromEntries(columns.map((c, i) => [c, values[i] ?? '']));
    return { password_last_changed: row['password_last_changed'] ?? '', password_next_rotation: row['password_next_rotation'] ?? '' };
  }

  const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');

  let erin: Credentials;
  let createdAt: number;

  it('expires a password MaxPasswordAge days after it was set, as the credential report shows', async () => {
    await admin().send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8, MaxPasswordAge: 30, AllowUsersToChangePassword: true, HardExpiry: true }));
    await admin().send(new CreateUserCommand({ UserName: 'erin' }));
    createdAt = clock.now();
    await admin().send(new CreateLoginProfileCommand({ UserName: 'erin', Password: GOOD }));
    const { AccessKey } = await admin().send(new CreateAccessKeyCommand({ UserName: 'erin' }));
    erin = { accessKeyId: AccessKey?.AccessKeyId ?? '', secretAccessKey: AccessKey?.SecretAccessKey ?? '' };
    expect(await passwordRow('erin')).toEqual({ password_last_changed: at(createdAt), password_next_rotation: at(createdAt + 30 * DAY) });
  });

  it('lets a user replace an expired password through the API, even under HardExpiry, and restarts its expiry', async () => {
    clock.advance(31 * DAY);
    // HardExpiry locks the console only: a user allowed iam:ChangePassword (here by
    // AllowUsersToChangePassword) may replace an expired password with its access key.
    const changedAt = clock.now();
    await iamAs(erin).send(new ChangePasswordCommand({ OldPassword: GOOD, NewPassword: 'Second-Pass-2' }));
    expect(await verifyPassword('Second-Pass-2', await storedHash(t, 'erin'))).toBe(true);
    expect(await passwordRow('erin')).toEqual({ password_last_changed: at(changedAt), password_next_rotation: at(changedAt + 30 * DAY) });
    // The profile was created once: its CreateDate does not move with the password.
    expect((await admin().send(new GetLoginProfileCommand({ UserName: 'erin' }))).LoginProfile?.CreateDate?.getTime()).toBe(createdAt);
  });

  it('restarts the expiry when an administrator sets a new password, not when it only requires a reset', async () => {
    const before = await passwordRow('erin');
    clock.advance(2 * DAY);
    await admin().send(new UpdateLoginProfileCommand({ UserName: 'erin', PasswordResetRequired: true }));
    expect(await passwordRow('erin')).toEqual(before);
    clock.advance(40 * DAY);
    const resetAt = clock.now();
    await admin().send(new UpdateLoginProfileCommand({ UserName: 'erin', Password: 'Admin-Reset-3', PasswordResetRequired: true }));
    expect(await passwordRow('erin')).toEqual({ password_last_changed: at(resetAt), password_next_rotation: at(resetAt + 30 * DAY) });
  });

  it('still asks an expired user for iam:ChangePassword when the policy does not allow users to change passwords', async () => {
    await admin().send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8, MaxPasswordAge: 30 }));
    clock.advance(31 * DAY);
    const denied = await failure(iamAs(erin).send(new ChangePasswordCommand({ OldPassword: 'Admin-Reset-3', NewPassword: 'Third-Pass-4' })));
    expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(denied.message).toContain('is not authorized to perform: iam:ChangePassword');
    await admin().send(new PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'change-own-password', PolicyDocument: CHANGE_OWN_PASSWORD }));
    const changedAt = clock.now();
    await iamAs(erin).send(new ChangePasswordCommand({ OldPassword: 'Admin-Reset-3', NewPassword: 'Third-Pass-4' }));
    expect(await verifyPassword('Third-Pass-4', await storedHash(t, 'erin'))).toBe(true);
    expect((await passwordRow('erin')).password_next_rotation).toBe(at(changedAt + 30 * DAY));
    // Without MaxPasswordAge nothing expires: the next rotation is N/A again.
    await admin().send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8 }));
    expect((await passwordRow('erin')).password_next_rotation).toBe('N/A');
  });

  it('answers NoSuchEntity to a user without a password, and InvalidUserType to a role session', async () => {
    await admin().send(new CreateUserCommand({ UserName: 'no-password' }));
    await admin().send(new PutUserPolicyCommand({ UserName: 'no-password', PolicyName: 'change-own-password', PolicyDocument: CHANGE_OWN_PASSWORD }));
    const { AccessKey } = await admin().send(new CreateAccessKeyCommand({ UserName: 'no-password' }));
    const user = iamAs({ accessKeyId: AccessKey?.AccessKeyId ?? '', secretAccessKey: AccessKey?.SecretAccessKey ?? '' });
    const missing = await failure(user.send(new ChangePasswordCommand({ OldPassword: GOOD, NewPassword: 'Brand-New-Pass-3' })));
    expect(missing).toMatchObject({ name: 'NoSuchEntity', status: 404, message: 'Login Profile for User no-password cannot be found.' });

    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: 'sts:AssumeRole' }] };
    const { Role } = await admin().send(new CreateRoleCommand({ RoleName: 'password-changer', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    const { Credentials: session } = await stsAs(t.admin).send(new AssumeRoleCommand({ RoleArn: Role?.Arn, RoleSessionName: 'try' }));
    const role = iamAs({ accessKeyId: session?.AccessKeyId ?? '', secretAccessKey: session?.SecretAccessKey ?? '', sessionToken: session?.SessionToken ?? '' });
    const error = await failure(role.send(new ChangePasswordCommand({ OldPassword: GOOD, NewPassword: 'Brand-New-Pass-3' })));
    expect(error).toMatchObject({ name: 'InvalidUserType', status: 400 });
  });

});

/** The password hash stored for a user: what the API never shows, read from the store. */
async function storedHash(t: TestServer, userName: string): Promise<string> {
  const row = await t.server.store.db
    .selectFrom('login_profiles')
    .innerJoin('users', 'users.id', 'login_profiles.user_id')
    .select('login_profiles.password_hash')
    .where('users.name', '=', userName)
    .executeTakeFirstOrThrow();
  return row.password_hash;
}
