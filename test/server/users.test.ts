/** IAM users through the real SDK, on SQLite and PostgreSQL. */
import { CreateAccessKeyCommand, CreateUserCommand, DeleteAccessKeyCommand, DeleteUserCommand, GetUserCommand, ListUsersCommand, TagUserCommand, ListUserTagsCommand, UntagUserCommand, UpdateUserCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

describe.each(BACKENDS)('users on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GetCallerIdentity names the administrator', async () => {
    const identity = await t.sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(t.accountId);
    expect(identity.Arn).toBe(`arn:aws:iam::${t.accountId}:user/admin`);
    expect(identity.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });

  it('creates a user with a path and tags, and reads it back', async () => {
    const created = await t.iam.send(new CreateUserCommand({ UserName: 'alice', Path: '/eng/', Tags: [{ Key: 'team', Value: 'blue' }] }));
    expect(created.User?.Arn).toBe(`arn:aws:iam::${t.accountId}:user/eng/alice`);
    expect(created.User?.UserId).toMatch(/^AIDA/);
    const got = await t.iam.send(new GetUserCommand({ UserName: 'alice' }));
    expect(got.User?.Path).toBe('/eng/');
    expect(got.User?.Tags).toEqual([{ Key: 'team', Value: 'blue' }]);
    expect(got.User?.CreateDate).toBeInstanceOf(Date);
  });

  it('refuses a second user whose name differs only in case', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'Bob' }));
    const error = await failure(t.iam.send(new CreateUserCommand({ UserName: 'bob' })));
    expect(error).toMatchObject({ name: 'EntityAlreadyExists', status: 409 });
  });

  it('answers NoSuchEntity with 404 for a missing user', async () => {
    const error = await failure(t.iam.send(new GetUserCommand({ UserName: 'nobody' })));
    expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404, message: 'The user with name nobody cannot be found.' });
  });

  it('creates a user with an existing permissions boundary, and refuses one that is not a managed policy as CreateRole does', async () => {
    const readOnly = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    const bounded = await t.iam.send(new CreateUserCommand({ UserName: 'bounded-on-create', PermissionsBoundary: readOnly }));
    expect(bounded.User?.PermissionsBoundary).toEqual({ PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: readOnly });
    const arn = `arn:aws:iam::${t.accountId}:policy/missing`;
    const error = await failure(t.iam.send(new CreateUserCommand({ UserName: 'unbounded', PermissionsBoundary: arn })));
    expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404, message: `Scope ARN: ${arn} does not exist or is not attachable.` });
    expect((await failure(t.iam.send(new GetUserCommand({ UserName: 'unbounded' })))).name).toBe('NoSuchEntity');
  });

  it('answers ValidationError for a name outside the pattern', async () => {
    const error = await failure(t.iam.send(new CreateUserCommand({ UserName: 'bad name!' })));
    expect(error.name).toBe('ValidationError');
    expect(error.status).toBe(400);
    expect(error.message).toContain("at 'userName' failed to satisfy constraint");
  });

  it('GetUser without a name describes the caller', async () => {
    const got = await t.iam.send(new GetUserCommand({}));
    expect(got.User?.UserName).toBe('admin');
  });

  it('lists users a page at a time with Marker and IsTruncated', async () => {
    for (const name of ['p1', 'p2', 'p3']) await t.iam.send(new CreateUserCommand({ UserName: name, Path: '/paged/' }));
    const first = await t.iam.send(new ListUsersCommand({ PathPrefix: '/paged/', MaxItems: 2 }));
    expect(first.Users?.map((u) => u.UserName)).toEqual(['p1', 'p2']);
    expect(first.IsTruncated).toBe(true);
    const second = await t.iam.send(new ListUsersCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: first.Marker }));
    expect(second.Users?.map((u) => u.UserName)).toEqual(['p3']);
    expect(second.IsTruncated).toBe(false);
  });

  it('renames and moves a user', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'carol' }));
    await t.iam.send(new UpdateUserCommand({ UserName: 'carol', NewUserName: 'caroline', NewPath: '/ops/' }));
    const got = await t.iam.send(new GetUserCommand({ UserName: 'CAROLINE' }));
    expect(got.User?.Arn).toBe(`arn:aws:iam::${t.accountId}:user/ops/caroline`);
    expect((await failure(t.iam.send(new GetUserCommand({ UserName: 'carol' })))).name).toBe('NoSuchEntity');
  });

  it('tags and untags a user', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'dan' }));
    await t.iam.send(new TagUserCommand({ UserName: 'dan', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    await t.iam.send(new UntagUserCommand({ UserName: 'dan', TagKeys: ['a'] }));
    const tags = await t.iam.send(new ListUserTagsCommand({ UserName: 'dan' }));
    expect(tags.Tags).toEqual([{ Key: 'b', Value: '2' }]);
  });

  it('refuses to delete a user that still has an access key, then deletes it once the key is gone', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'erin' }));
    const key = await t.iam.send(new CreateAccessKeyCommand({ UserName: 'erin' }));
    const conflict = await failure(t.iam.send(new DeleteUserCommand({ UserName: 'erin' })));
    expect(conflict).toMatchObject({ name: 'DeleteConflict', status: 409, message: 'Cannot delete entity, must delete access keys first.' });
    await t.iam.send(new DeleteAccessKeyCommand({ UserName: 'erin', AccessKeyId: key.AccessKey?.AccessKeyId }));
    const deleted = await t.iam.send(new DeleteUserCommand({ UserName: 'erin' }));
    expect(deleted.$metadata.httpStatusCode).toBe(200);
    expect((await failure(t.iam.send(new GetUserCommand({ UserName: 'erin' })))).name).toBe('NoSuchEntity');
  });
});
