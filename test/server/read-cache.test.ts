/**
 * Reads answered from kept results must never show a world older than the last write the client
 * saw answered: checked with the real SDK on both stores (on PostgreSQL results are not kept at all),
 * and the cache's own rules checked directly.
 */
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, GetRoleCommand, DeleteUserCommand, GetUserCommand, ListAttachedUserPoliciesCommand, ListUsersCommand, PutUserPolicyCommand, TagUserCommand, UpdateUserCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadCache } from '../../src/server/read-cache.js';
import { ChangeFeed } from '../../src/store/changes.js';
import { BACKENDS, createSecondAccount, failure, startTestServer, type TestServer } from '../helpers/server.js';

describe('ReadCache', () => {
  it('answers a kept result until the account changes, and only for its own account', () => {
    const changes = new ChangeFeed(undefined, Infinity);
    const cache = new ReadCache(changes);
    cache.set('111111111111', changes.version('111111111111'), 'k', '<x/>');
    expect(cache.get('111111111111', 'k')).toBe('<x/>');
    expect(cache.get('222222222222', 'k')).toBeUndefined();
    changes.changed('222222222222');
    expect(cache.get('111111111111', 'k')).toBe('<x/>');
    changes.changed('111111111111');
    expect(cache.get('111111111111', 'k')).toBeUndefined();
  });

  it('does not keep a result read before a change that landed while it was computed', () => {
    const changes = new ChangeFeed(undefined, Infinity);
    const cache = new ReadCache(changes);
    const version = changes.version('111111111111');
    changes.changed('111111111111');
    cache.set('111111111111', version, 'k', '<old/>');
    expect(cache.get('111111111111', 'k')).toBeUndefined();
  });

  it('drops every kept result when changes may have gone unheard', () => {
    const changes = new ChangeFeed(undefined, Infinity);
    const cache = new ReadCache(changes);
    cache.set('111111111111', changes.version('111111111111'), 'k', '<x/>');
    const never = changes.version('222222222222');
    changes.heardAll();
    expect(cache.get('111111111111', 'k')).toBeUndefined();
    expect(changes.version('222222222222')).not.toBe(never);
  });

  it('keeps nothing where other nodes write (a change feed with a maximum age)', () => {
    const changes = new ChangeFeed(() => {}, 5000);
    const cache = new ReadCache(changes);
    expect(cache.enabled).toBe(false);
    cache.set('111111111111', changes.version('111111111111'), 'k', '<x/>');
    expect(cache.get('111111111111', 'k')).toBeUndefined();
  });

  it('stays within its budget, and refuses a result too large to share it', () => {
    const changes = new ChangeFeed(undefined, Infinity);
    const cache = new ReadCache(changes, 1600);
    cache.set('111111111111', 0, 'big', 'x'.repeat(101));
    expect(cache.get('111111111111', 'big')).toBeUndefined();
    for (let i = 0; i < 30; i++) cache.set('111111111111', 0, `k${i}`, 'x'.repeat(90));
    // 30 results of ~92 characters cannot all fit in 1600: the oldest were let go.
    expect(cache.get('111111111111', 'k0')).toBeUndefined();
    expect(cache.get('111111111111', 'k29')).toBe('x'.repeat(90));
  });
});

describe.each(BACKENDS)('reads after writes on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  const userNames = async () => ((await t.iam.send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName).sort();

  it('a list read twice, then written to, shows the write at once', async () => {
    const before = await userNames();
    expect(await userNames()).toEqual(before);
    await t.iam.send(new CreateUserCommand({ UserName: 'cached-carol' }));
    expect(await userNames()).toEqual([...before, 'cached-carol'].sort());
    await t.iam.send(new UpdateUserCommand({ UserName: 'cached-carol', NewUserName: 'cached-dave' }));
    expect(await userNames()).toContain('cached-dave');
    expect(await userNames()).not.toContain('cached-carol');
    await t.iam.send(new DeleteUserCommand({ UserName: 'cached-dave' }));
    expect(await userNames()).toEqual(before);
  });

  it('a read of one entity follows tags and attachments as they change', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'cached-erin' }));
    expect((await t.iam.send(new GetUserCommand({ UserName: 'cached-erin' }))).User?.Tags).toBeUndefined();
    await t.iam.send(new TagUserCommand({ UserName: 'cached-erin', Tags: [{ Key: 'team', Value: 'red' }] }));
    expect((await t.iam.send(new GetUserCommand({ UserName: 'cached-erin' }))).User?.Tags).toEqual([{ Key: 'team', Value: 'red' }]);
    expect((await t.iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'cached-erin' }))).AttachedPolicies).toEqual([]);
    await t.iam.send(new AttachUserPolicyCommand({ UserName: 'cached-erin', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    expect((await t.iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'cached-erin' }))).AttachedPolicies?.map((p) => p.PolicyName)).toEqual(['ReadOnlyAccess']);
  });

  it('two callers asking "who am I" (GetUser without a name) each get their own answer', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'cached-frank' }));
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'cached-frank', PolicyName: 'self', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }] }) }));
    const key = (await t.iam.send(new CreateAccessKeyCommand({ UserName: 'cached-frank' }))).AccessKey!;
    const frank = t.iamAs({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    expect((await t.iam.send(new GetUserCommand({}))).User?.UserName).toBe('admin');
    // The new key's permissions may take a moment to apply on PostgreSQL's other nodes: here there is one.
    expect((await frank.send(new GetUserCommand({}))).User?.UserName).toBe('cached-frank');
    expect((await t.iam.send(new GetUserCommand({}))).User?.UserName).toBe('admin');
  });

  it('a read fed by bookkeeping in another account\'s request (RoleLastUsed, written by a cross-account AssumeRole) is never stale', async () => {
    const other = await createSecondAccount(t);
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: 'sts:AssumeRole' }] });
    await other.iam.send(new CreateRoleCommand({ RoleName: 'cached-role', AssumeRolePolicyDocument: trust }));
    expect((await other.iam.send(new GetRoleCommand({ RoleName: 'cached-role' }))).Role?.RoleLastUsed).toEqual({});
    expect((await other.iam.send(new GetRoleCommand({ RoleName: 'cached-role' }))).Role?.RoleLastUsed).toEqual({});
    // The write happens in a request of the first account: the role's account hears of no change of its own.
    await t.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${other.accountId}:role/cached-role`, RoleSessionName: 'session' }));
    expect((await other.iam.send(new GetRoleCommand({ RoleName: 'cached-role' }))).Role?.RoleLastUsed?.LastUsedDate).toBeInstanceOf(Date);
  });

  it('a kept result is not shown to a caller the policies deny', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'cached-gina' }));
    const key = (await t.iam.send(new CreateAccessKeyCommand({ UserName: 'cached-gina' }))).AccessKey!;
    const gina = t.iamAs({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    await userNames(); // the administrator's read is kept
    expect(await failure(gina.send(new ListUsersCommand({})))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });
});
