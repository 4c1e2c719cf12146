/** Console passwords (login profiles) through the real SDK, on SQLite and PostgreSQL. */
import {
  ChangePasswordCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  GetLoginProfileCommand,
  UpdateLoginProfileCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/iam/passwords.js';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

const GOOD = 'Correct-Horse-9';

describe.each(BACKENDS)('login profiles on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function storedHash(userName: string): Promise<string> {
    const row = await t.server.store.db
      .selectFrom('login_profiles')
      .innerJoin('users', 'users.id', 'login_profiles.user_id')
      .select('login_profiles.password_hash')
      .where('users.name', '=', userName)
      .executeTakeFirstOrThrow();
    return row.password_hash;
  }

  async function setPasswordPolicy(policy: object | null): Promise<void> {
    await t.server.store.db.updateTable('accounts').set({ password_policy: policy && JSON.stringify(policy) }).where('id', '=', t.accountId).execute();
  }

  it('creates a login profile, storing only a salted scrypt hash', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'alice' }));
    const created = await t.iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: GOOD, PasswordResetRequired: true }));
    expect(created.LoginProfile).toMatchObject({ UserName: 'alice', PasswordResetRequired: true });
    expect(created.LoginProfile?.CreateDate).toBeInstanceOf(Date);
    const hash = await storedHash('alice');
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
    expect(await storedHash('twin')).not.toBe(await storedHash('alice'));
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
    const before = await storedHash('alice');
    await t.iam.send(new UpdateLoginProfileCommand({ UserName: 'alice', Password: 'Another-Pass-2', PasswordResetRequired: false }));
    const after = await storedHash('alice');
    expect(after).not.toBe(before);
    expect(await verifyPassword('Another-Pass-2', after)).toBe(true);
    expect((await t.iam.send(new GetLoginProfileCommand({ UserName: 'alice' }))).LoginProfile?.PasswordResetRequired).toBe(false);
    await t.iam.send(new UpdateLoginProfileCommand({ UserName: 'alice', PasswordResetRequired: true }));
    expect(await storedHash('alice')).toBe(after);
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
      expect(await verifyPassword('First-Pass-1', await storedHash('reuser'))).toBe(true);
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
    expect(wrong).toMatchObject({ name: 'InvalidInput', status: 400 });
    const weak = await failure(dave.send(new ChangePasswordCommand({ OldPassword: GOOD, NewPassword: 'weak' })));
    expect(weak).toMatchObject({ name: 'PasswordPolicyViolation', status: 400 });
    await dave.send(new ChangePasswordCommand({ OldPassword: GOOD, NewPassword: 'Brand-New-Pass-3' }));
    expect(await verifyPassword('Brand-New-Pass-3', await storedHash('dave'))).toBe(true);
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
      expect(await verifyPassword('Brand-New-Pass-3', await storedHash('frank'))).toBe(true);
    } finally {
      await setPasswordPolicy(null);
    }
  });

  it('refuses ChangePassword from the root with InvalidUserType', async () => {
    const error = await failure(t.iamAs(t.root).send(new ChangePasswordCommand({ OldPassword: GOOD, NewPassword: 'Brand-New-Pass-3' })));
    expect(error).toMatchObject({ name: 'InvalidUserType', status: 400 });
  });
});
