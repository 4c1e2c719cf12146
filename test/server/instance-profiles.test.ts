/** Instance profiles through the real SDK, on SQLite and PostgreSQL. */
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  GetInstanceProfileCommand,
  ListInstanceProfilesCommand,
  ListInstanceProfilesForRoleCommand,
  ListInstanceProfileTagsCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagInstanceProfileCommand,
  UntagInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

describe.each(BACKENDS)('instance profiles on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  const createProfile = (InstanceProfileName: string, extra: Partial<ConstructorParameters<typeof CreateInstanceProfileCommand>[0]> = {}) =>
    t.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName, ...extra }));
  const createRole = (RoleName: string) => t.iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: TRUST }));
  const addRole = (InstanceProfileName: string, RoleName: string) => t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName, RoleName }));

  it('creates an instance profile with a path and tags, and reads it back without roles', async () => {
    const created = await createProfile('web', { Path: '/ec2/', Tags: [{ Key: 'tier', Value: 'front' }] });
    expect(created.InstanceProfile?.Arn).toBe(`arn:aws:iam::${t.accountId}:instance-profile/ec2/web`);
    expect(created.InstanceProfile?.InstanceProfileId).toMatch(/^AIPA[A-Z2-7]{17}$/);
    expect(created.InstanceProfile?.Roles).toEqual([]);
    const { InstanceProfile: profile } = await t.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'WEB' }));
    expect(profile).toMatchObject({ InstanceProfileName: 'web', Path: '/ec2/', Roles: [], Tags: [{ Key: 'tier', Value: 'front' }] });
    expect(profile?.CreateDate).toBeInstanceOf(Date);
  });

  it('refuses a second instance profile whose name differs only in case', async () => {
    await createProfile('Workers');
    const error = await failure(createProfile('workers'));
    expect(error).toMatchObject({ name: 'EntityAlreadyExists', status: 409, message: 'Instance Profile workers already exists.' });
  });

  it('answers NoSuchEntity with 404 for a missing instance profile', async () => {
    const error = await failure(t.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'nothing' })));
    expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404, message: 'Instance Profile nothing cannot be found.' });
  });

  it('holds one role, which GetInstanceProfile and ListInstanceProfilesForRole show', async () => {
    const role = await createRole('web-role');
    await createProfile('holder');
    await addRole('holder', 'WEB-ROLE');
    const { InstanceProfile: profile } = await t.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'holder' }));
    expect(profile?.Roles?.map((r) => [r.RoleName, r.RoleId])).toEqual([['web-role', role.Role?.RoleId]]);
    expect(decodeURIComponent(profile?.Roles?.[0]?.AssumeRolePolicyDocument ?? '')).toBe(TRUST);
    const forRole = await t.iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'web-role' }));
    expect(forRole.InstanceProfiles?.map((p) => p.InstanceProfileName)).toEqual(['holder']);
    expect(forRole.IsTruncated).toBe(false);
  });

  it('refuses a second role in one instance profile with the InstanceSessionsPerInstanceProfile quota', async () => {
    await createRole('first');
    await createRole('second');
    await createProfile('single');
    await addRole('single', 'first');
    for (const role of ['second', 'first']) {
      const error = await failure(addRole('single', role));
      expect(error).toMatchObject({ name: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1' });
    }
  });

  it('lets exactly one of two concurrent adds win', async () => {
    await createRole('racer-a');
    await createRole('racer-b');
    await createProfile('raced');
    const results = await Promise.allSettled([addRole('raced', 'racer-a'), addRole('raced', 'racer-b')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const { InstanceProfile: profile } = await t.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'raced' }));
    expect(profile?.Roles).toHaveLength(1);
  });

  it('answers NoSuchEntity when adding a missing role or to a missing profile', async () => {
    await createProfile('lonely');
    expect(await failure(addRole('lonely', 'ghost'))).toMatchObject({ name: 'NoSuchEntity', status: 404, message: 'The role with name ghost cannot be found.' });
    expect(await failure(addRole('ghost', 'first'))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('removes a role, and answers NoSuchEntity for a role the profile does not hold', async () => {
    await createRole('leaving');
    await createProfile('left');
    await addRole('left', 'leaving');
    await t.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'left', RoleName: 'leaving' }));
    expect((await t.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'left' }))).InstanceProfile?.Roles).toEqual([]);
    const error = await failure(t.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'left', RoleName: 'leaving' })));
    expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('refuses to delete an instance profile that holds a role, then deletes it', async () => {
    await createRole('held');
    await createProfile('doomed', { Tags: [{ Key: 'k', Value: 'v' }] });
    await addRole('doomed', 'held');
    const error = await failure(t.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'doomed' })));
    expect(error).toMatchObject({ name: 'DeleteConflict', status: 409, message: 'Cannot delete entity, must remove roles from instance profile first.' });
    await t.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'doomed', RoleName: 'held' }));
    await t.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'doomed' }));
    expect((await failure(t.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'doomed' })))).name).toBe('NoSuchEntity');
    await createProfile('doomed');
    expect((await t.iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'doomed' }))).Tags).toEqual([]);
  });

  it('lists instance profiles by path prefix a page at a time, each with its roles', async () => {
    await createRole('listed');
    for (const name of ['p1', 'p2', 'p3']) await createProfile(name, { Path: '/paged/' });
    await addRole('p2', 'listed');
    const first = await t.iam.send(new ListInstanceProfilesCommand({ PathPrefix: '/paged/', MaxItems: 2 }));
    expect(first.InstanceProfiles?.map((p) => [p.InstanceProfileName, p.Roles?.map((r) => r.RoleName)])).toEqual([
      ['p1', []],
      ['p2', ['listed']],
    ]);
    expect(first.IsTruncated).toBe(true);
    const second = await t.iam.send(new ListInstanceProfilesCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: first.Marker }));
    expect(second.InstanceProfiles?.map((p) => p.InstanceProfileName)).toEqual(['p3']);
    expect(second.IsTruncated).toBe(false);
  });

  it('pages ListInstanceProfilesForRole, and answers NoSuchEntity for a missing role', async () => {
    await createRole('shared');
    for (const name of ['s1', 's2', 's3']) {
      await createProfile(name);
      await addRole(name, 'shared');
    }
    const first = await t.iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'shared', MaxItems: 2 }));
    expect(first.InstanceProfiles?.map((p) => p.InstanceProfileName)).toEqual(['s1', 's2']);
    const second = await t.iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'shared', MaxItems: 2, Marker: first.Marker }));
    expect(second.InstanceProfiles?.map((p) => p.InstanceProfileName)).toEqual(['s3']);
    expect(second.IsTruncated).toBe(false);
    const error = await failure(t.iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'ghost' })));
    expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('tags and untags an instance profile', async () => {
    await createProfile('tagged');
    await t.iam.send(new TagInstanceProfileCommand({ InstanceProfileName: 'tagged', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    await t.iam.send(new UntagInstanceProfileCommand({ InstanceProfileName: 'tagged', TagKeys: ['a'] }));
    const tags = await t.iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'tagged' }));
    expect(tags).toMatchObject({ Tags: [{ Key: 'b', Value: '2' }], IsTruncated: false });
    const error = await failure(t.iam.send(new TagInstanceProfileCommand({ InstanceProfileName: 'ghost', Tags: [{ Key: 'a', Value: '1' }] })));
    expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });
});
