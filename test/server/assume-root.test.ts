/**
 * STS AssumeRoot: the management account's principals start privileged-task sessions on another
 * account's root, held to the task policy. Through the real SDK on SQLite and PostgreSQL.
 */
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListAccessKeysCommand,
  ListPoliciesCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, AssumeRootCommand, GetCallerIdentityCommand, type Credentials as StsCredentials } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createSecondAccount, failure, startTestServer, type Credentials, type SecondAccount, type TestServer } from '../helpers/server.js';

const doc = (statement: object | object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statement });
const task = (name: string) => ({ arn: `arn:aws:iam::aws:policy/root-task/${name}` });
const AUDIT = task('IAMAuditRootUserCredentials');
const DELETE = task('IAMDeleteRootUserCredentials');

function asSession(credentials: StsCredentials | undefined): Credentials {
  return { accessKeyId: credentials!.AccessKeyId!, secretAccessKey: credentials!.SecretAccessKey!, sessionToken: credentials!.SessionToken! };
}

describe.each(BACKENDS)('AssumeRoot on %s', (backend) => {
  let t: TestServer;
  let member: SecondAccount;

  async function userWithKey(name: string, policy?: object | object[]): Promise<Credentials> {
    await t.iam.send(new CreateUserCommand({ UserName: name }));
    if (policy) await t.iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(policy) }));
    const key = await t.iam.send(new CreateAccessKeyCommand({ UserName: name }));
    return { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  }

  beforeAll(async () => {
    t = await startTestServer(backend);
    member = await createSecondAccount(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the five root-task policies are AWS-managed policies under /root-task/', async () => {
    const listed = await t.iam.send(new ListPoliciesCommand({ Scope: 'AWS', PathPrefix: '/root-task/' }));
    expect(listed.Policies?.map((p) => p.PolicyName).sort()).toEqual(['IAMAuditRootUserCredentials', 'IAMCreateRootUserPassword', 'IAMDeleteRootUserCredentials', 'S3UnlockBucketPolicy', 'SQSUnlockQueuePolicy']);
    const audit = await member.iam.send(new GetPolicyCommand({ PolicyArn: AUDIT.arn }));
    expect(audit.Policy?.Path).toBe('/root-task/');
    const version = await member.iam.send(new GetPolicyVersionCommand({ PolicyArn: AUDIT.arn, VersionId: audit.Policy!.DefaultVersionId! }));
    const document = JSON.parse(decodeURIComponent(version.PolicyVersion!.Document!)) as { Statement: { Action: string[] }[] };
    expect(document.Statement.flatMap((s) => s.Action)).toEqual(expect.arrayContaining(['iam:ListAccessKeys', 'iam:GetLoginProfile']));
    expect(document.Statement.flatMap((s) => s.Action)).not.toContain('iam:DeleteAccessKey');
  });

  it('the management administrator starts an audit session on the member root: 15 minutes, the root ARN, the root keys visible', async () => {
    const before = Date.now();
    const assumed = await t.sts.send(new AssumeRootCommand({ TargetPrincipal: member.accountId, TaskPolicyArn: AUDIT }));
    expect(assumed.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(assumed.Credentials?.SecretAccessKey).toHaveLength(40);
    expect(assumed.Credentials?.SessionToken).toBeTruthy();
    expect(assumed.Credentials!.Expiration!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000);
    expect(assumed.Credentials!.Expiration!.getTime()).toBeLessThanOrEqual(Date.now() + 900_000);
    expect(assumed.SourceIdentity).toBeUndefined();

    const identity = await t.stsAs(asSession(assumed.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({ Account: member.accountId, Arn: `arn:aws:iam::${member.accountId}:root`, UserId: member.accountId });

    const keys = await t.iamAs(asSession(assumed.Credentials)).send(new ListAccessKeysCommand({}));
    expect(keys.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([member.root.accessKeyId]);
  });

  it('the session may do only what its task policy allows', async () => {
    const assumed = await t.sts.send(new AssumeRootCommand({ TargetPrincipal: member.accountId, TaskPolicyArn: AUDIT }));
    const session = t.iamAs(asSession(assumed.Credentials));
    const denied = await failure(session.send(new CreateUserCommand({ UserName: 'intruder' })));
    expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(denied.message).toContain(`User: arn:aws:iam::${member.accountId}:root is not authorized to perform: iam:CreateUser`);
    expect(denied.message).toContain('no session policy allows');
    // The member's own root is not held to anything: the same call works with its long-term key.
    await member.iam.send(new CreateUserCommand({ UserName: 'made-by-admin' }));
    await t.iamAs(member.root).send(new CreateUserCommand({ UserName: 'made-by-root' }));
  });

  it('IAMDeleteRootUserCredentials deletes the member root access key, which then stops working', async () => {
    const other = await createSecondAccount(t);
    const assumed = await t.sts.send(new AssumeRootCommand({ TargetPrincipal: `arn:aws:iam::${other.accountId}:root`, TaskPolicyArn: DELETE }));
    const session = t.iamAs(asSession(assumed.Credentials));
    await session.send(new DeleteAccessKeyCommand({ AccessKeyId: other.root.accessKeyId }));
    expect((await session.send(new ListAccessKeysCommand({}))).AccessKeyMetadata).toEqual([]);
    expect(await failure(t.stsAs(other.root).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
  });

  it('DurationSeconds: up to 900 seconds, more is a ValidationError', async () => {
    const short = await t.sts.send(new AssumeRootCommand({ TargetPrincipal: member.accountId, TaskPolicyArn: AUDIT, DurationSeconds: 300 }));
    expect(short.Credentials!.Expiration!.getTime()).toBeLessThanOrEqual(Date.now() + 300_000);
    expect(short.Credentials!.Expiration!.getTime()).toBeGreaterThan(Date.now() + 290_000);
    const error = await failure(t.sts.send(new AssumeRootCommand({ TargetPrincipal: member.accountId, TaskPolicyArn: AUDIT, DurationSeconds: 901 })));
    expect(error).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(error.message).toContain('durationSeconds');
  });

  it('the management account itself and an unknown account are refused as targets with AccessDenied', async () => {
    for (const target of [t.accountId, '999999999999', 'arn:aws:iam::999999999999:root', 'not-an-account']) {
      const error = await failure(t.sts.send(new AssumeRootCommand({ TargetPrincipal: target, TaskPolicyArn: AUDIT })));
      expect(error).toMatchObject({ name: 'AccessDenied', status: 403 });
      expect(error.message).toContain('sts:AssumeRoot');
    }
  });

  it('a task policy that is not a root-task policy is a ValidationError', async () => {
    for (const arn of ['arn:aws:iam::aws:policy/AdministratorAccess', 'arn:aws:iam::aws:policy/root-task/NoSuchTask', `arn:aws:iam::${t.accountId}:policy/root-task/IAMAuditRootUserCredentials`]) {
      const error = await failure(t.sts.send(new AssumeRootCommand({ TargetPrincipal: member.accountId, TaskPolicyArn: { arn } })));
      expect(error).toMatchObject({ name: 'ValidationError', status: 400 });
      expect(error.message).toContain('TaskPolicyArn');
    }
  });

  it('a caller needs sts:AssumeRoot on the target root, with sts:TaskPolicyArn as a condition key', async () => {
    const plain = await userWithKey('plain');
    const denied = await failure(t.stsAs(plain).send(new AssumeRootCommand({ TargetPrincipal: member.accountId, TaskPolicyArn: AUDIT })));
    expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(denied.message).toContain(`is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::${member.accountId}:root`);

    const auditor = await userWithKey('auditor', {
      Effect: 'Allow',
      Action: 'sts:AssumeRoot',
      Resource: `arn:aws:iam::${member.accountId}:root`,
      Condition: { StringEquals: { 'sts:TaskPolicyArn': AUDIT.arn } },
    });
    const assumed = await t.stsAs(auditor).send(new AssumeRootCommand({ TargetPrincipal: member.accountId, TaskPolicyArn: AUDIT }));
    expect(assumed.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(await failure(t.stsAs(auditor).send(new AssumeRootCommand({ TargetPrincipal: member.accountId, TaskPolicyArn: DELETE })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    const third = await createSecondAccount(t);
    expect(await failure(t.stsAs(auditor).send(new AssumeRootCommand({ TargetPrincipal: third.accountId, TaskPolicyArn: AUDIT })))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  it('a role session of the management account may start one, and its source identity passes on', async () => {
    await t.iam.send(
      new CreateRoleCommand({
        RoleName: 'root-operator',
        AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }),
      }),
    );
    await t.iam.send(new PutRolePolicyCommand({ RoleName: 'root-operator', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRoot', Resource: '*' }) }));
    const role = await t.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${t.accountId}:role/root-operator`, RoleSessionName: 'ops', SourceIdentity: 'alice' }));
    const assumed = await t.stsAs(asSession(role.Credentials)).send(new AssumeRootCommand({ TargetPrincipal: member.accountId, TaskPolicyArn: AUDIT }));
    expect(assumed.SourceIdentity).toBe('alice');
    const identity = await t.stsAs(asSession(assumed.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:iam::${member.accountId}:root`);
  });

  it('a member account principal may not start root sessions, even with AdministratorAccess', async () => {
    for (const target of [t.accountId, (await createSecondAccount(t)).accountId]) {
      const error = await failure(member.sts.send(new AssumeRootCommand({ TargetPrincipal: target, TaskPolicyArn: AUDIT })));
      expect(error).toMatchObject({ name: 'AccessDenied', status: 403 });
      expect(error.message).toContain('management account');
    }
  });

  it('root user credentials are refused, and so is a root session starting another', async () => {
    expect(await failure(t.stsAs(t.root).send(new AssumeRootCommand({ TargetPrincipal: member.accountId, TaskPolicyArn: AUDIT })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    const assumed = await t.sts.send(new AssumeRootCommand({ TargetPrincipal: member.accountId, TaskPolicyArn: AUDIT }));
    const chained = await failure(t.stsAs(asSession(assumed.Credentials)).send(new AssumeRootCommand({ TargetPrincipal: member.accountId, TaskPolicyArn: AUDIT })));
    expect(chained).toMatchObject({ name: 'AccessDenied', status: 403 });
  });
});
