/** Many accounts on one server, and roles assumed across them, through the real SDK on SQLite and PostgreSQL. */
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, ListUsersCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, callDeployport, createSecondAccount, failure, startTestServer, xmlText, type Credentials, type SecondAccount, type TestServer } from '../helpers/server.js';

const doc = (statement: object | object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statement });

describe.each(BACKENDS)('accounts and cross-account roles on %s', (backend) => {
  let t: TestServer;
  let b: SecondAccount;
  let crosser: Credentials; // a user of the first account allowed to assume roles anywhere
  let plain: Credentials; // a user of the first account with no permissions
  const roleInB = (name: string) => `arn:aws:iam::${b.accountId}:role/${name}`;

  async function userWithKey(name: string, policy?: object): Promise<Credentials> {
    await t.iam.send(new CreateUserCommand({ UserName: name }));
    if (policy) await t.iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(policy) }));
    const key = await t.iam.send(new CreateAccessKeyCommand({ UserName: name }));
    return { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  }

  async function roleInAccountB(name: string, principal: object): Promise<void> {
    await b.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }) }));
    await b.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'read', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }) }));
  }

  beforeAll(async () => {
    t = await startTestServer(backend);
    b = await createSecondAccount(t);
    crosser = await userWithKey('crosser', { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });
    plain = await userWithKey('plain');
    await roleInAccountB('shared', { AWS: `arn:aws:iam::${t.accountId}:root` });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('CreateAccount and ListAccounts', () => {
    it('creates an account whose root and administrator keys work in it, and only in it', async () => {
      expect(b.accountId).toMatch(/^\d{12}$/);
      expect(b.accountId).not.toBe(t.accountId);
      expect((await t.stsAs(b.root).send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:iam::${b.accountId}:root`);
      expect((await b.sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:iam::${b.accountId}:user/admin`);
      const users = await b.iam.send(new ListUsersCommand({}));
      expect(users.Users?.map((u) => u.UserName)).toEqual(['admin']);
    });

    it('creates an account without an administrator when AdminUserName is not given', async () => {
      const { status, body } = await callDeployport(t, t.admin, 'CreateAccount');
      expect(status).toBe(200);
      expect(body).toContain('<CreateAccountResponse xmlns="https://deployport.dev/doc/2026-11-30/">');
      expect(body).not.toContain('<AdminAccessKey>');
      expect(xmlText(body, 'AccessKeyId')).toMatch(/^AKIA/);
    });

    it('lists every account, the first one marked as the management account', async () => {
      const { status, body } = await callDeployport(t, t.admin, 'ListAccounts');
      expect(status).toBe(200);
      expect(body).toContain(`<AccountId>${t.accountId}</AccountId>`);
      expect(body).toContain(`<AccountId>${b.accountId}</AccountId>`);
      expect(body).toMatch(new RegExp(`<AccountId>${t.accountId}</AccountId><Arn>[^<]+</Arn><CreateDate>[^<]+</CreateDate><IsManagementAccount>true<`));
      const paged = await callDeployport(t, t.admin, 'ListAccounts', { MaxItems: '1' });
      expect(xmlText(paged.body, 'IsTruncated')).toBe('true');
    });

    it('refuses the principals of any other account, its root and administrators included', async () => {
      for (const who of [b.admin, b.root]) {
        const { status, body } = await callDeployport(t, who, 'CreateAccount');
        expect(status).toBe(403);
        expect(xmlText(body, 'Code')).toBe('AccessDenied');
      }
      expect((await callDeployport(t, b.admin, 'ListAccounts')).status).toBe(403);
    });

    it('refuses a user of the management account whose policies do not allow deployport:CreateAccount', async () => {
      const { status, body } = await callDeployport(t, plain, 'CreateAccount');
      expect(status).toBe(403);
      expect(xmlText(body, 'Message')).toContain('is not authorized to perform: deployport:CreateAccount');
      const operator = await userWithKey('operator', { Effect: 'Allow', Action: 'deployport:CreateAccount', Resource: '*' });
      expect((await callDeployport(t, operator, 'CreateAccount')).status).toBe(200);
    });

    it('validates input through the model and names unknown operations of the version', async () => {
      const bad = await callDeployport(t, t.admin, 'CreateAccount', { AdminUserName: 'no spaces' });
      expect([bad.status, xmlText(bad.body, 'Code')]).toEqual([400, 'ValidationError']);
      const unknown = await callDeployport(t, t.admin, 'DeleteEverything');
      expect(xmlText(unknown.body, 'Message')).toBe('Could not find operation DeleteEverything for version 2026-11-30');
    });
  });

  describe('cross-account role assumption', () => {
    it('lets a user assume a role of another account that trusts its account, when its own policies allow', async () => {
      const assumed = await t.stsAs(crosser).send(new AssumeRoleCommand({ RoleArn: roleInB('shared'), RoleSessionName: 'visit' }));
      const session = { accessKeyId: assumed.Credentials!.AccessKeyId!, secretAccessKey: assumed.Credentials!.SecretAccessKey!, sessionToken: assumed.Credentials!.SessionToken! };
      const identity = await t.stsAs(session).send(new GetCallerIdentityCommand({}));
      expect(identity).toMatchObject({ Account: b.accountId, Arn: `arn:aws:sts::${b.accountId}:assumed-role/shared/visit` });
      // The session acts in the role's account, with the role's permissions.
      const users = await t.iamAs(session).send(new ListUsersCommand({}));
      expect(users.Users?.map((u) => u.UserName)).toEqual(['admin']);
      expect(await failure(t.iamAs(session).send(new CreateUserCommand({ UserName: 'x' })))).toMatchObject({ name: 'AccessDenied' });
    });

    it('denies a user whose own policies do not allow sts:AssumeRole', async () => {
      const error = await failure(t.stsAs(plain).send(new AssumeRoleCommand({ RoleArn: roleInB('shared'), RoleSessionName: 'visit' })));
      expect(error).toMatchObject({ name: 'AccessDenied', status: 403 });
      expect(error.message).toContain('because no identity-based policy allows the sts:AssumeRole action');
    });

    it('denies when the trust policy names another account', async () => {
      await roleInAccountB('elsewhere', { AWS: 'arn:aws:iam::999999999999:root' });
      expect(await failure(t.stsAs(crosser).send(new AssumeRoleCommand({ RoleArn: roleInB('elsewhere'), RoleSessionName: 'visit' })))).toMatchObject({ name: 'AccessDenied' });
    });

    it('needs both sides: a trust naming the user directly is not enough across accounts', async () => {
      await roleInAccountB('direct', { AWS: `arn:aws:iam::${t.accountId}:user/plain` });
      expect(await failure(t.stsAs(plain).send(new AssumeRoleCommand({ RoleArn: roleInB('direct'), RoleSessionName: 'visit' })))).toMatchObject({ name: 'AccessDenied' });
      // The trust names plain only: crosser's own permission does not make up for it.
      expect(await failure(t.stsAs(crosser).send(new AssumeRoleCommand({ RoleArn: roleInB('direct'), RoleSessionName: 'visit' })))).toMatchObject({ name: 'AccessDenied' });
      await t.iam.send(new PutUserPolicyCommand({ UserName: 'plain', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleInB('direct') }) }));
      const assumed = await t.stsAs(plain).send(new AssumeRoleCommand({ RoleArn: roleInB('direct'), RoleSessionName: 'visit' }));
      expect(assumed.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${b.accountId}:assumed-role/direct/visit`);
    });
  });
});
