/** IAM groups and their members through the real SDK, on SQLite and PostgreSQL. */
import {
  AddUserToGroupCommand,
  CreateGroupCommand,
  CreateUserCommand,
  DeleteGroupCommand,
  DeleteUserCommand,
  GetGroupCommand,
  ListGroupsCommand,
  ListGroupsForUserCommand,
  RemoveUserFromGroupCommand,
  UpdateGroupCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

/** 'ok', or the AWS error code a call failed with: for counting the outcomes of racing calls. */
function outcome(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => 'ok',
    (error: { Code?: string; name?: string }) => error.Code ?? error.name ?? 'Error',
  );
}

describe.each(BACKENDS)('groups on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates a group with a path and reads it back', async () => {
    const created = await t.iam.send(new CreateGroupCommand({ GroupName: 'Developers', Path: '/eng/' }));
    expect(created.Group).toMatchObject({ GroupName: 'Developers', Path: '/eng/', Arn: `arn:aws:iam::${t.accountId}:group/eng/Developers` });
    expect(created.Group?.GroupId).toMatch(/^AGPA[A-Z2-7]{17}$/);
    const got = await t.iam.send(new GetGroupCommand({ GroupName: 'developers' }));
    expect(got.Group?.GroupId).toBe(created.Group?.GroupId);
    expect(got.Users).toEqual([]);
    expect(got.IsTruncated).toBe(false);
  });

  it('refuses a second group whose name differs only in case', async () => {
    await t.iam.send(new CreateGroupCommand({ GroupName: 'Ops' }));
    const error = await failure(t.iam.send(new CreateGroupCommand({ GroupName: 'OPS' })));
    expect(error).toMatchObject({ name: 'EntityAlreadyExists', status: 409, message: 'Group with name OPS already exists.' });
  });

  it('lets exactly one of concurrent creates of one name win', async () => {
    const outcomes = await Promise.all(['race', 'RACE', 'Race'].map((name) => outcome(t.iam.send(new CreateGroupCommand({ GroupName: name })))));
    expect(outcomes.sort()).toEqual(['EntityAlreadyExists', 'EntityAlreadyExists', 'ok']);
  });

  it('answers NoSuchEntity with 404 for a missing group', async () => {
    const error = await failure(t.iam.send(new GetGroupCommand({ GroupName: 'nogroup' })));
    expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404, message: 'The group with name nogroup cannot be found.' });
  });

  it('answers ValidationError for a name outside the pattern', async () => {
    const error = await failure(t.iam.send(new CreateGroupCommand({ GroupName: 'bad group' })));
    expect(error).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(error.message).toContain("at 'groupName' failed to satisfy constraint");
  });

  it('lists groups by path prefix a page at a time', async () => {
    for (const name of ['g1', 'g2', 'g3']) await t.iam.send(new CreateGroupCommand({ GroupName: name, Path: '/paged/' }));
    const first = await t.iam.send(new ListGroupsCommand({ PathPrefix: '/paged/', MaxItems: 2 }));
    expect(first.Groups?.map((g) => g.GroupName)).toEqual(['g1', 'g2']);
    expect(first.IsTruncated).toBe(true);
    const second = await t.iam.send(new ListGroupsCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: first.Marker }));
    expect(second.Groups?.map((g) => g.GroupName)).toEqual(['g3']);
    expect(second.IsTruncated).toBe(false);
  });

  it('adds members, shows them a page at a time, and adding twice changes nothing', async () => {
    await t.iam.send(new CreateGroupCommand({ GroupName: 'team' }));
    for (const name of ['m1', 'm2', 'm3']) {
      await t.iam.send(new CreateUserCommand({ UserName: name }));
      await t.iam.send(new AddUserToGroupCommand({ GroupName: 'team', UserName: name }));
    }
    await t.iam.send(new AddUserToGroupCommand({ GroupName: 'TEAM', UserName: 'M1' }));
    const first = await t.iam.send(new GetGroupCommand({ GroupName: 'team', MaxItems: 2 }));
    expect(first.Users?.map((u) => u.UserName)).toEqual(['m1', 'm2']);
    expect(first.IsTruncated).toBe(true);
    const second = await t.iam.send(new GetGroupCommand({ GroupName: 'team', MaxItems: 2, Marker: first.Marker }));
    expect(second.Users?.map((u) => u.UserName)).toEqual(['m3']);
    const forUser = await t.iam.send(new ListGroupsForUserCommand({ UserName: 'm1' }));
    expect(forUser.Groups?.map((g) => g.GroupName)).toEqual(['team']);
  });

  it('answers NoSuchEntity when adding a missing user or to a missing group', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'lonely' }));
    expect(await failure(t.iam.send(new AddUserToGroupCommand({ GroupName: 'team', UserName: 'ghost' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    expect(await failure(t.iam.send(new AddUserToGroupCommand({ GroupName: 'ghosts', UserName: 'lonely' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    expect(await failure(t.iam.send(new RemoveUserFromGroupCommand({ GroupName: 'team', UserName: 'lonely' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('puts a user in at most 10 groups, even when 11 adds race', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'joiner' }));
    const names = Array.from({ length: 11 }, (_, i) => `club${i}`);
    for (const name of names) await t.iam.send(new CreateGroupCommand({ GroupName: name }));
    const outcomes = await Promise.all(names.map((name) => outcome(t.iam.send(new AddUserToGroupCommand({ GroupName: name, UserName: 'joiner' })))));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(10);
    expect(outcomes.filter((o) => o !== 'ok')).toEqual(['LimitExceeded']);
    const over = await failure(t.iam.send(new AddUserToGroupCommand({ GroupName: 'team', UserName: 'joiner' })));
    expect(over).toMatchObject({ name: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for GroupsPerUser: 10' });
    const groups = await t.iam.send(new ListGroupsForUserCommand({ UserName: 'joiner' }));
    expect(groups.Groups).toHaveLength(10);
  });

  it('renames and moves a group, keeping its members', async () => {
    await t.iam.send(new CreateGroupCommand({ GroupName: 'old-name' }));
    await t.iam.send(new CreateUserCommand({ UserName: 'stays' }));
    await t.iam.send(new AddUserToGroupCommand({ GroupName: 'old-name', UserName: 'stays' }));
    await t.iam.send(new UpdateGroupCommand({ GroupName: 'old-name', NewGroupName: 'new-name', NewPath: '/moved/' }));
    const got = await t.iam.send(new GetGroupCommand({ GroupName: 'new-name' }));
    expect(got.Group?.Arn).toBe(`arn:aws:iam::${t.accountId}:group/moved/new-name`);
    expect(got.Users?.map((u) => u.UserName)).toEqual(['stays']);
    expect((await failure(t.iam.send(new GetGroupCommand({ GroupName: 'old-name' })))).name).toBe('NoSuchEntity');
    expect(await failure(t.iam.send(new UpdateGroupCommand({ GroupName: 'new-name', NewGroupName: 'ops' })))).toMatchObject({ name: 'EntityAlreadyExists', status: 409 });
  });

  it('refuses to delete a group with members, and deletes it once empty', async () => {
    await t.iam.send(new CreateGroupCommand({ GroupName: 'doomed' }));
    await t.iam.send(new CreateUserCommand({ UserName: 'member' }));
    await t.iam.send(new AddUserToGroupCommand({ GroupName: 'doomed', UserName: 'member' }));
    const conflict = await failure(t.iam.send(new DeleteGroupCommand({ GroupName: 'doomed' })));
    expect(conflict).toMatchObject({ name: 'DeleteConflict', status: 409, message: 'Cannot delete entity, must remove users from group first.' });
    await t.iam.send(new RemoveUserFromGroupCommand({ GroupName: 'doomed', UserName: 'member' }));
    await t.iam.send(new DeleteGroupCommand({ GroupName: 'doomed' }));
    expect((await failure(t.iam.send(new GetGroupCommand({ GroupName: 'doomed' })))).name).toBe('NoSuchEntity');
    expect((await t.iam.send(new ListGroupsForUserCommand({ UserName: 'member' }))).Groups).toEqual([]);
  });

  it('refuses to delete a group with an attached or inline policy', async () => {
    const created = await t.iam.send(new CreateGroupCommand({ GroupName: 'with-policy' }));
    const groupId = created.Group?.GroupId ?? '';
    const db = t.server.store.db;
    await db.insertInto('inline_policies').values({ principal_type: 'group', principal_id: groupId, name: 'p', document: '{}' }).execute();
    const conflict = await failure(t.iam.send(new DeleteGroupCommand({ GroupName: 'with-policy' })));
    expect(conflict).toMatchObject({ name: 'DeleteConflict', status: 409, message: 'Cannot delete entity, must delete policies first.' });
    await db.deleteFrom('inline_policies').where('principal_id', '=', groupId).execute();
    const policy = await db.selectFrom('policies').select('id').where('name', '=', 'ReadOnlyAccess').executeTakeFirstOrThrow();
    await db.insertInto('attachments').values({ principal_type: 'group', principal_id: groupId, policy_id: policy.id }).execute();
    expect((await failure(t.iam.send(new DeleteGroupCommand({ GroupName: 'with-policy' })))).name).toBe('DeleteConflict');
  });

  it('keeps a user in a group from being deleted', async () => {
    await t.iam.send(new CreateGroupCommand({ GroupName: 'holder' }));
    await t.iam.send(new CreateUserCommand({ UserName: 'held' }));
    await t.iam.send(new AddUserToGroupCommand({ GroupName: 'holder', UserName: 'held' }));
    expect(await failure(t.iam.send(new DeleteUserCommand({ UserName: 'held' })))).toMatchObject({ name: 'DeleteConflict', status: 409 });
  });
});
