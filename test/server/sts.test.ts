/** STS: roles and temporary credentials through the real SDK, on SQLite and PostgreSQL. */
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, ListUsersCommand, PutRolePolicyCommand, PutUserPolicyCommand, CreateUserCommand as CreateIamUser } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, DecodeAuthorizationMessageCommand, GetAccessKeyInfoCommand, GetCallerIdentityCommand, GetFederationTokenCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { BACKENDS, failure, startTestServer, type Credentials, type TestServer } from '../helpers/server.js';

const doc = (statement: object | object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statement });

describe.each(BACKENDS)('STS on %s', (backend) => {
  let t: TestServer;
  const clock = new ManualClock(Date.now());
  let dev: Credentials; // a user allowed to assume roles
  let plain: Credentials; // a user with no permissions at all
  const roleArn = (name: string) => `arn:aws:iam::${t.accountId}:role/${name}`;
  const trustAccount = () => doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: 'sts:AssumeRole' });

  async function userWithKey(name: string): Promise<Credentials> {
    await t.iam.send(new CreateIamUser({ UserName: name }));
    const key = await t.iam.send(new CreateAccessKeyCommand({ UserName: name }));
    return { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  }

  async function role(name: string, trust: string, permissions: object | object[], max?: number): Promise<void> {
    await t.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust, ...(max && { MaxSessionDuration: max }) }));
    await t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'permissions', PolicyDocument: doc(permissions) }));
  }

  function asSession(credentials: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } | undefined, withToken = true): Credentials {
    return { accessKeyId: credentials!.AccessKeyId!, secretAccessKey: credentials!.SecretAccessKey!, ...(withToken && { sessionToken: credentials!.SessionToken! }) };
  }

  beforeAll(async () => {
    t = await startTestServer(backend, { clock });
    dev = await userWithKey('dev');
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'dev', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
    plain = await userWithKey('plain');
    await role('reader', trustAccount(), { Effect: 'Allow', Action: ['iam:ListUsers', 'iam:GetUser', 'sts:AssumeRole'], Resource: '*' }, 7200);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('assumes a role: temporary ASIA credentials, the assumed-role ARN, ROLEID:session', async () => {
    const assumed = await t.stsAs(dev).send(new AssumeRoleCommand({ RoleArn: roleArn('reader'), RoleSessionName: 'alice' }));
    expect(assumed.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(assumed.Credentials?.SecretAccessKey).toHaveLength(40);
    expect(assumed.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${t.accountId}:assumed-role/reader/alice`);
    expect(assumed.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:alice$/);
    expect(assumed.Credentials?.Expiration?.getTime()).toBeCloseTo(clock.now() + 3600_000, -4);
    const identity = await t.stsAs(asSession(assumed.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:sts::${t.accountId}:assumed-role/reader/alice`);
    expect(identity.UserId).toBe(assumed.AssumedRoleUser?.AssumedRoleId);
  });

  it('applies the role\'s permissions and nothing more', async () => {
    const assumed = await t.stsAs(dev).send(new AssumeRoleCommand({ RoleArn: roleArn('reader'), RoleSessionName: 'sess' }));
    const session = t.iamAs(asSession(assumed.Credentials));
    expect((await session.send(new ListUsersCommand({}))).Users?.length).toBeGreaterThan(0);
    const denied = await failure(session.send(new CreateUserCommand({ UserName: 'nope' })));
    expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(denied.message).toContain(`User: arn:aws:sts::${t.accountId}:assumed-role/reader/sess is not authorized to perform: iam:CreateUser`);
  });

  it('works with the secret alone (no session token), as deployport configure stores it', async () => {
    const assumed = await t.stsAs(dev).send(new AssumeRoleCommand({ RoleArn: roleArn('reader'), RoleSessionName: 'tokenless' }));
    const identity = await t.stsAs(asSession(assumed.Credentials, false)).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toContain('assumed-role/reader/tokenless');
  });

  it('refuses a session token that is not the session\'s', async () => {
    const assumed = await t.stsAs(dev).send(new AssumeRoleCommand({ RoleArn: roleArn('reader'), RoleSessionName: 'xx' }));
    const forged = { ...asSession(assumed.Credentials), sessionToken: 'DPstforged' };
    expect(await failure(t.stsAs(forged).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
  });

  it('stops working at expiry with ExpiredToken', async () => {
    const assumed = await t.stsAs(dev).send(new AssumeRoleCommand({ RoleArn: roleArn('reader'), RoleSessionName: 'short', DurationSeconds: 900 }));
    await t.stsAs(asSession(assumed.Credentials)).send(new GetCallerIdentityCommand({}));
    clock.advance(901_000);
    try {
      // The client's clock moves with the server's, so that the signature itself is in time.
      const later = new STSClient({ endpoint: t.url, region: 'us-east-1', credentials: asSession(assumed.Credentials), maxAttempts: 1, systemClockOffset: 901_000 });
      expect(await failure(later.send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'ExpiredToken', status: 403 });
    } finally {
      clock.advance(-901_000);
    }
  });

  it('denies a user whose own policies do not allow sts:AssumeRole when the trust names only the account', async () => {
    const error = await failure(t.stsAs(plain).send(new AssumeRoleCommand({ RoleArn: roleArn('reader'), RoleSessionName: 'sess' })));
    expect(error).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(error.message).toContain('is not authorized to perform: sts:AssumeRole');
  });

  it('lets a trust policy that names the user directly suffice within the account', async () => {
    await role('direct', doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${t.accountId}:user/plain` }, Action: 'sts:AssumeRole' }), { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' });
    const assumed = await t.stsAs(plain).send(new AssumeRoleCommand({ RoleArn: roleArn('direct'), RoleSessionName: 'sess' }));
    expect(assumed.Credentials?.AccessKeyId).toMatch(/^ASIA/);
  });

  it('denies when the trust policy names someone else, whatever the caller\'s own policies say', async () => {
    await role('elsewhere', doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${t.accountId}:user/plain` }, Action: 'sts:AssumeRole' }), { Effect: 'Allow', Action: '*', Resource: '*' });
    expect(await failure(t.stsAs(dev).send(new AssumeRoleCommand({ RoleArn: roleArn('elsewhere'), RoleSessionName: 'sess' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  it('answers AccessDenied, not NoSuchEntity, for a role that does not exist', async () => {
    expect(await failure(t.stsAs(dev).send(new AssumeRoleCommand({ RoleArn: roleArn('ghost'), RoleSessionName: 'sess' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  it('refuses the account root', async () => {
    expect(await failure(t.stsAs(t.root).send(new AssumeRoleCommand({ RoleArn: roleArn('reader'), RoleSessionName: 'sess' })))).toMatchObject({ name: 'AccessDenied' });
  });

  it('narrows a session with a session policy', async () => {
    const assumed = await t.stsAs(dev).send(new AssumeRoleCommand({ RoleArn: roleArn('reader'), RoleSessionName: 'narrow', Policy: doc({ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }) }));
    expect(assumed.PackedPolicySize).toBeGreaterThan(0);
    const session = t.iamAs(asSession(assumed.Credentials));
    const denied = await failure(session.send(new ListUsersCommand({})));
    expect(denied).toMatchObject({ name: 'AccessDenied' });
    expect(denied.message).toContain('because no session policy allows the iam:ListUsers action');
  });

  it('rejects DurationSeconds above the role\'s MaxSessionDuration', async () => {
    const error = await failure(t.stsAs(dev).send(new AssumeRoleCommand({ RoleArn: roleArn('reader'), RoleSessionName: 'sess', DurationSeconds: 7201 })));
    expect(error).toMatchObject({ name: 'ValidationError', status: 400, message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' });
    const ok = await t.stsAs(dev).send(new AssumeRoleCommand({ RoleArn: roleArn('reader'), RoleSessionName: 'sess', DurationSeconds: 7200 }));
    expect(ok.Credentials?.Expiration?.getTime()).toBeCloseTo(clock.now() + 7200_000, -4);
  });

  it('checks ExternalId through sts:ExternalId', async () => {
    await role('partner', doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'unguessable-42' } } }), { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' });
    const sts = t.stsAs(dev);
    expect(await failure(sts.send(new AssumeRoleCommand({ RoleArn: roleArn('partner'), RoleSessionName: 'sess' })))).toMatchObject({ name: 'AccessDenied' });
    expect(await failure(sts.send(new AssumeRoleCommand({ RoleArn: roleArn('partner'), RoleSessionName: 'sess', ExternalId: 'wrong-id' })))).toMatchObject({ name: 'AccessDenied' });
    expect((await sts.send(new AssumeRoleCommand({ RoleArn: roleArn('partner'), RoleSessionName: 'sess', ExternalId: 'unguessable-42' }))).Credentials).toBeDefined();
  });

  it('caps role chaining at one hour', async () => {
    const first = await t.stsAs(dev).send(new AssumeRoleCommand({ RoleArn: roleArn('reader'), RoleSessionName: 'first' }));
    const chained = t.stsAs(asSession(first.Credentials));
    const error = await failure(chained.send(new AssumeRoleCommand({ RoleArn: roleArn('reader'), RoleSessionName: 'second', DurationSeconds: 7200 })));
    expect(error).toMatchObject({ name: 'ValidationError', message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.' });
    const second = await chained.send(new AssumeRoleCommand({ RoleArn: roleArn('reader'), RoleSessionName: 'second' }));
    expect(second.AssumedRoleUser?.Arn).toContain('assumed-role/reader/second');
  });

  it('carries session tags as aws:PrincipalTag', async () => {
    await role('tagged', doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }), { Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'blue' } } });
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'dev', PolicyName: 'tag', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:TagSession', Resource: '*' }) }));
    const blue = await t.stsAs(dev).send(new AssumeRoleCommand({ RoleArn: roleArn('tagged'), RoleSessionName: 'blue', Tags: [{ Key: 'team', Value: 'blue' }] }));
    expect((await t.iamAs(asSession(blue.Credentials)).send(new ListUsersCommand({}))).Users).toBeDefined();
    const red = await t.stsAs(dev).send(new AssumeRoleCommand({ RoleArn: roleArn('tagged'), RoleSessionName: 'red', Tags: [{ Key: 'team', Value: 'red' }] }));
    expect(await failure(t.iamAs(asSession(red.Credentials)).send(new ListUsersCommand({})))).toMatchObject({ name: 'AccessDenied' });
  });

  it('revokes older sessions with AWS\'s aws:TokenIssueTime deny, on the next call', async () => {
    const assumed = await t.stsAs(dev).send(new AssumeRoleCommand({ RoleArn: roleArn('reader'), RoleSessionName: 'old' }));
    const session = t.iamAs(asSession(assumed.Credentials));
    await session.send(new ListUsersCommand({}));
    const cutoff = new Date(clock.now() + 1000).toISOString();
    await t.iam.send(new PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'AWSRevokeOlderSessions', PolicyDocument: doc({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } } }) }));
    expect(await failure(session.send(new ListUsersCommand({})))).toMatchObject({ name: 'AccessDenied' });
    clock.advance(2000);
    const fresh = await t.stsAs(dev).send(new AssumeRoleCommand({ RoleArn: roleArn('reader'), RoleSessionName: 'new' }));
    expect((await t.iamAs(asSession(fresh.Credentials)).send(new ListUsersCommand({}))).Users).toBeDefined();
  });

  it('GetSessionToken gives a user temporary keys with the user\'s permissions, and refuses sessions', async () => {
    const token = await t.stsAs(dev).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    expect(token.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const identity = await t.stsAs(asSession(token.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:iam::${t.accountId}:user/dev`);
    expect(await failure(t.stsAs(asSession(token.Credentials)).send(new GetSessionTokenCommand({})))).toMatchObject({ name: 'AccessDenied' });
  });

  it('GetFederationToken grants nothing without a session policy, and the intersection with one', async () => {
    await t.iam.send(new AttachUserPolicyCommand({ UserName: 'dev', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'dev', PolicyName: 'federate', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: '*' }) }));
    const bare = await t.stsAs(dev).send(new GetFederationTokenCommand({ Name: 'guest' }));
    expect(bare.FederatedUser?.Arn).toBe(`arn:aws:sts::${t.accountId}:federated-user/guest`);
    expect(await failure(t.iamAs(asSession(bare.Credentials)).send(new ListUsersCommand({})))).toMatchObject({ name: 'AccessDenied' });
    const scoped = await t.stsAs(dev).send(new GetFederationTokenCommand({ Name: 'guest', Policy: doc({ Effect: 'Allow', Action: 'iam:List*', Resource: '*' }) }));
    expect((await t.iamAs(asSession(scoped.Credentials)).send(new ListUsersCommand({}))).Users).toBeDefined();
  });

  it('carries an encoded explanation in AccessDenied that DecodeAuthorizationMessage reads back', async () => {
    const denied = await failure(t.iamAs(plain).send(new CreateUserCommand({ UserName: 'never' })));
    const encoded = /Encoded authorization failure message: (\S+)$/.exec(denied.message)?.[1];
    expect(encoded).toBeDefined();
    const decoded = await t.sts.send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded }));
    const message = JSON.parse(decoded.DecodedMessage ?? '{}') as { allowed: boolean; explicitDeny: boolean; context: { action: string; resource: string; principal: { arn: string } } };
    expect(message).toMatchObject({ allowed: false, explicitDeny: false, context: { action: 'iam:CreateUser', resource: `arn:aws:iam::${t.accountId}:user/never`, principal: { arn: `arn:aws:iam::${t.accountId}:user/plain` } } });
    // Reading it is a permission of its own, and only our own messages decode.
    expect(await failure(t.stsAs(plain).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded })))).toMatchObject({ name: 'AccessDenied' });
    expect(await failure(t.sts.send(new DecodeAuthorizationMessageCommand({ EncodedMessage: 'v1.bm90LW91cnM' })))).toMatchObject({ name: 'InvalidAuthorizationMessageException', status: 400 });
  });

  it('GetAccessKeyInfo names the account of a key', async () => {
    expect((await t.sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: dev.accessKeyId }))).Account).toBe(t.accountId);
  });
});
