/** Access keys of users and of the root through the real SDK, on SQLite and PostgreSQL. */
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  GetAccessKeyLastUsedCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyUsageRecorder } from '../../src/iam/key-usage.js';
import { ManualClock } from '../../src/shared/clock.js';
import { BACKENDS, failure, startTestServer, type Credentials, type TestServer } from '../helpers/server.js';

/** 'ok', or the AWS error code a call failed with: for counting the outcomes of racing calls. */
function outcome(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => 'ok',
    (error: { Code?: string; name?: string }) => error.Code ?? error.name ?? 'Error',
  );
}

describe.each(BACKENDS)('access keys on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function newKey(userName: string): Promise<Credentials> {
    const { AccessKey } = await t.iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    return { accessKeyId: AccessKey?.AccessKeyId ?? '', secretAccessKey: AccessKey?.SecretAccessKey ?? '' };
  }

  /** Gives a user AdministratorAccess directly in the store (attachments are another module's). */
  async function makeAdmin(userName: string): Promise<void> {
    const db = t.server.store.db;
    const user = await db.selectFrom('users').select('id').where('name', '=', userName).executeTakeFirstOrThrow();
    const policy = await db.selectFrom('policies').select('id').where('name', '=', 'AdministratorAccess').executeTakeFirstOrThrow();
    await db.insertInto('attachments').values({ principal_type: 'user', principal_id: user.id, policy_id: policy.id }).execute();
  }

  it('creates a key whose secret is shown once, sealed at rest, and which signs requests', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'alice' }));
    const { AccessKey } = await t.iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
    expect(AccessKey).toMatchObject({ UserName: 'alice', Status: 'Active' });
    expect(AccessKey?.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(AccessKey?.SecretAccessKey).toHaveLength(40);
    expect(AccessKey?.CreateDate).toBeInstanceOf(Date);
    const row = await t.server.store.db.selectFrom('access_keys').selectAll().where('id', '=', AccessKey?.AccessKeyId ?? '').executeTakeFirstOrThrow();
    expect(row.secret_sealed).not.toContain(AccessKey?.SecretAccessKey);
    const identity = await t.stsAs({ accessKeyId: AccessKey?.AccessKeyId ?? '', secretAccessKey: AccessKey?.SecretAccessKey ?? '' }).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:iam::${t.accountId}:user/alice`);
    const listed = await t.iam.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    expect(listed.AccessKeyMetadata).toEqual([{ UserName: 'alice', AccessKeyId: AccessKey?.AccessKeyId, Status: 'Active', CreateDate: AccessKey?.CreateDate }]);
    expect(listed.IsTruncated).toBe(false);
  });

  it('allows two keys per user and refuses a third with LimitExceeded', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'bob' }));
    await newKey('bob');
    await newKey('bob');
    const error = await failure(t.iam.send(new CreateAccessKeyCommand({ UserName: 'bob' })));
    expect(error).toMatchObject({ name: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for AccessKeysPerUser: 2' });
  });

  it('lets exactly two of three concurrent creates succeed', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'racer' }));
    const outcomes = await Promise.all([1, 2, 3].map(() => outcome(t.iam.send(new CreateAccessKeyCommand({ UserName: 'racer' })))));
    expect(outcomes.sort()).toEqual(['LimitExceeded', 'ok', 'ok']);
    expect((await t.iam.send(new ListAccessKeysCommand({ UserName: 'racer' }))).AccessKeyMetadata).toHaveLength(2);
  });

  it('an Inactive key fails authentication with InvalidClientTokenId until it is made Active again', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'carol' }));
    const key = await newKey('carol');
    const sts = t.stsAs(key);
    await sts.send(new GetCallerIdentityCommand({}));
    await t.iam.send(new UpdateAccessKeyCommand({ UserName: 'carol', AccessKeyId: key.accessKeyId, Status: 'Inactive' }));
    expect((await t.iam.send(new ListAccessKeysCommand({ UserName: 'carol' }))).AccessKeyMetadata?.[0]?.Status).toBe('Inactive');
    expect(await failure(sts.send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
    await t.iam.send(new UpdateAccessKeyCommand({ UserName: 'carol', AccessKeyId: key.accessKeyId, Status: 'Active' }));
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toContain(':user/carol');
  });

  it('refuses the Expired status, which only AWS sets', async () => {
    const key = await newKey('carol');
    const error = await failure(t.iam.send(new UpdateAccessKeyCommand({ UserName: 'carol', AccessKeyId: key.accessKeyId, Status: 'Expired' })));
    expect(error).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('deletes a key, which then stops working, and lets the user be deleted', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'dave' }));
    const key = await newKey('dave');
    expect((await failure(t.iam.send(new DeleteUserCommand({ UserName: 'dave' })))).name).toBe('DeleteConflict');
    await t.iam.send(new DeleteAccessKeyCommand({ UserName: 'dave', AccessKeyId: key.accessKeyId }));
    expect((await t.iam.send(new ListAccessKeysCommand({ UserName: 'dave' }))).AccessKeyMetadata).toEqual([]);
    expect(await failure(t.stsAs(key).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
    await t.iam.send(new DeleteUserCommand({ UserName: 'dave' }));
  });

  it("answers NoSuchEntity for an unknown key, another user's key, or a missing user", async () => {
    const aliceKey = (await t.iam.send(new ListAccessKeysCommand({ UserName: 'alice' }))).AccessKeyMetadata?.[0]?.AccessKeyId ?? '';
    const unknown = await failure(t.iam.send(new DeleteAccessKeyCommand({ UserName: 'alice', AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA' })));
    expect(unknown).toMatchObject({ name: 'NoSuchEntity', status: 404, message: 'The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.' });
    expect(await failure(t.iam.send(new UpdateAccessKeyCommand({ UserName: 'bob', AccessKeyId: aliceKey, Status: 'Inactive' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    expect(await failure(t.iam.send(new CreateAccessKeyCommand({ UserName: 'nobody' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    expect(await failure(t.iam.send(new ListAccessKeysCommand({ UserName: 'nobody' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('answers ValidationError for a bad user name or key id', async () => {
    expect(await failure(t.iam.send(new CreateAccessKeyCommand({ UserName: 'bad name!' })))).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(await failure(t.iam.send(new DeleteAccessKeyCommand({ AccessKeyId: 'AKIA' })))).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('without UserName, a user manages its own keys', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'self' }));
    await makeAdmin('self');
    const iam = t.iamAs(await newKey('self'));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({}));
    expect(AccessKey?.UserName).toBe('self');
    expect((await iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata?.map((k) => k.UserName)).toEqual(['self', 'self']);
    await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: AccessKey?.AccessKeyId ?? '' }));
    expect((await iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata).toHaveLength(1);
  });

  it("without UserName, the root manages the root's keys, which are not a user's", async () => {
    const iam = t.iamAs(t.root);
    const listed = await iam.send(new ListAccessKeysCommand({}));
    expect(listed.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([t.root.accessKeyId]);
    expect(listed.AccessKeyMetadata?.[0]?.UserName).toBeUndefined();
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({}));
    const row = await t.server.store.db.selectFrom('access_keys').select(['owner_type', 'owner_id']).where('id', '=', AccessKey?.AccessKeyId ?? '').executeTakeFirstOrThrow();
    expect(row).toEqual({ owner_type: 'root', owner_id: t.accountId });
    expect((await failure(iam.send(new CreateAccessKeyCommand({})))).name).toBe('LimitExceeded');
    const adminKeys = await t.iam.send(new ListAccessKeysCommand({}));
    expect(adminKeys.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([t.admin.accessKeyId]);
    await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: AccessKey?.AccessKeyId ?? '' }));
  });

  it('reports N/A for a key never used, and the recorded use once there is one, at most once a minute', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'erin' }));
    const key = await newKey('erin');
    const unused = await t.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }));
    expect(unused.UserName).toBe('erin');
    expect(unused.AccessKeyLastUsed).toEqual({ ServiceName: 'N/A', Region: 'N/A' });

    const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    const recorder = createKeyUsageRecorder(t.server.store, clock);
    await recorder.record(key.accessKeyId, 'iam', 'us-east-1');
    clock.advance(10_000);
    await recorder.record(key.accessKeyId, 'sts', 'eu-west-1');
    const used = await t.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }));
    expect(used.AccessKeyLastUsed).toEqual({ LastUsedDate: new Date('2026-03-01T12:00:00Z'), ServiceName: 'iam', Region: 'us-east-1' });

    clock.advance(60_000);
    await recorder.record(key.accessKeyId, 'sts', 'eu-west-1');
    const later = await t.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }));
    expect(later.AccessKeyLastUsed).toEqual({ LastUsedDate: new Date('2026-03-01T12:01:10Z'), ServiceName: 'sts', Region: 'eu-west-1' });
  });

  it('answers AccessDenied for the last use of a key the account does not hold (the model lists no error for it)', async () => {
    expect(await failure(t.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });
});
