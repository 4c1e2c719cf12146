/** IAM roles and permissions boundaries through the real SDK, on SQLite and PostgreSQL. */
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteUserPermissionsBoundaryCommand,
  GetRoleCommand,
  GetUserCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePermissionsBoundaryCommand,
  PutUserPermissionsBoundaryCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  UpdateRoleDescriptionCommand,
  PutRolePolicyCommand,
  IAMClient,
  type RoleLastUsed,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** A trust policy statement list rendered as a document. */
const trust = (statement: object): string => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

describe.each(BACKENDS)('roles on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  const createRole = (RoleName: string, extra: Partial<ConstructorParameters<typeof CreateRoleCommand>[0]> = {}) =>
    t.iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: TRUST, ...extra }));

  it('creates a role with a path, description, session limit and tags, and reads it all back', async () => {
    const created = await createRole('app', { Path: '/svc/', Description: 'the app', MaxSessionDuration: 7200, Tags: [{ Key: 'team', Value: 'blue' }] });
    expect(created.Role?.Arn).toBe(`arn:aws:iam::${t.accountId}:role/svc/app`);
    expect(created.Role?.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(created.Role?.Tags).toEqual([{ Key: 'team', Value: 'blue' }]);
    const { Role: role } = await t.iam.send(new GetRoleCommand({ RoleName: 'APP' }));
    expect(role).toMatchObject({ RoleName: 'app', Path: '/svc/', Description: 'the app', MaxSessionDuration: 7200, RoleId: created.Role?.RoleId });
    expect(role?.Tags).toEqual([{ Key: 'team', Value: 'blue' }]);
    expect(role?.CreateDate).toBeInstanceOf(Date);
    // AWS always answers RoleLastUsed, empty for a role never used.
    expect(role?.RoleLastUsed).toEqual({});
    expect(role?.PermissionsBoundary).toBeUndefined();
  });

  it('shows when and in which Region a role was last used: assumed, then its sessions\' calls', async () => {
    await createRole('used-role', { AssumeRolePolicyDocument: trust({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: 'sts:AssumeRole' }) });
    await t.iam.send(new PutRolePolicyCommand({ RoleName: 'used-role', PolicyName: 'list', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' }] }) }));
    const before = Date.now();
    const { Credentials: session } = await t.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${t.accountId}:role/used-role`, RoleSessionName: 'work' }));
    expect((await t.iam.send(new GetRoleCommand({ RoleName: 'used-role' }))).Role?.RoleLastUsed?.Region).toBe('us-east-1');
    const client = new IAMClient({ endpoint: t.url, region: 'eu-west-1', maxAttempts: 1, credentials: { accessKeyId: session!.AccessKeyId!, secretAccessKey: session!.SecretAccessKey!, sessionToken: session!.SessionToken! } });
    await client.send(new ListRolesCommand({}));
    // The record is bookkeeping written after the answer: give it a moment.
    let lastUsed: RoleLastUsed | undefined;
    for (let i = 0; i < 50 && lastUsed?.Region !== 'eu-west-1'; i++) {
      lastUsed = (await t.iam.send(new GetRoleCommand({ RoleName: 'used-role' }))).Role?.RoleLastUsed;
      if (lastUsed?.Region !== 'eu-west-1') await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(lastUsed?.Region).toBe('eu-west-1');
    expect(lastUsed?.LastUsedDate?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(lastUsed?.LastUsedDate?.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('defaults MaxSessionDuration to one hour', async () => {
    await createRole('plain');
    const { Role: role } = await t.iam.send(new GetRoleCommand({ RoleName: 'plain' }));
    expect(role?.MaxSessionDuration).toBe(3600);
    expect(role?.Path).toBe('/');
    expect(role?.Description).toBeUndefined();
  });

  it('returns the trust policy URL-encoded as AWS does, and it decodes to the stored JSON', async () => {
    const spaced = JSON.stringify(JSON.parse(TRUST), null, 2);
    await createRole('encoded', { AssumeRolePolicyDocument: spaced });
    const { Role: role } = await t.iam.send(new GetRoleCommand({ RoleName: 'encoded' }));
    expect(role?.AssumeRolePolicyDocument).toMatch(/^%7B/);
    expect(decodeURIComponent(role?.AssumeRolePolicyDocument ?? '')).toBe(spaced);
    const listed = await t.iam.send(new ListRolesCommand({}));
    expect(decodeURIComponent(listed.Roles?.find((r) => r.RoleName === 'encoded')?.AssumeRolePolicyDocument ?? '')).toBe(spaced);
  });

  it('accepts a trust policy sent URL-encoded, as Terraform and boto sometimes send it', async () => {
    await createRole('from-terraform', { AssumeRolePolicyDocument: encodeURIComponent(TRUST).replace(/%20/g, '+') });
    const { Role: role } = await t.iam.send(new GetRoleCommand({ RoleName: 'from-terraform' }));
    expect(decodeURIComponent(role?.AssumeRolePolicyDocument ?? '')).toBe(TRUST);
  });

  it('refuses a second role whose name differs only in case', async () => {
    await createRole('Deployer');
    const error = await failure(createRole('deployer'));
    expect(error).toMatchObject({ name: 'EntityAlreadyExists', status: 409, message: 'Role with name deployer already exists.' });
  });

  it('answers NoSuchEntity with 404 for a missing role', async () => {
    const error = await failure(t.iam.send(new GetRoleCommand({ RoleName: 'nobody' })));
    expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404, message: 'The role with name nobody cannot be found.' });
  });

  it.each([
    ['without a Principal', trust({ Effect: 'Allow', Action: 'sts:AssumeRole' }), 'Principal'],
    ['with a Resource', trust({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole', Resource: '*' }), 'Resource'],
    ['with an action that is not sts', trust({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 's3:GetObject' }), 's3:GetObject'],
    ['that is not JSON', '{"Version":"2012-10-17","Statement":[}', 'Syntax errors'],
    ['with a trailing comma', TRUST.replace(/}$/, ',}'), 'Syntax errors'],
    ['URL-encoded badly', '%7B%ZZ', 'Syntax errors'],
    ['URL-encoded with characters outside Latin-1', encodeURIComponent(trust({ Sid: '😀', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' })), 'U+1F600'],
    ['nested 10000 deep', `{"Statement":${'['.repeat(10000)}${']'.repeat(10000)}}`, 'Syntax errors'],
  ])('answers MalformedPolicyDocument for a trust policy %s', async (_title, document, mention) => {
    const error = await failure(createRole('bad-trust', { AssumeRolePolicyDocument: document }));
    expect(error).toMatchObject({ name: 'MalformedPolicyDocument', status: 400 });
    expect(error.message).toContain(mention);
  });

  it('answers LimitExceeded for a trust policy over 2048 characters, not counting white space', async () => {
    const padded = (length: number) => {
      const base = trust({ Sid: '', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' });
      return base.replace('"Sid":""', `"Sid":"${'a'.repeat(length - base.length)}"`);
    };
    expect(padded(2049)).toHaveLength(2049);
    const error = await failure(createRole('big-trust', { AssumeRolePolicyDocument: padded(2049) }));
    expect(error).toMatchObject({ name: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for ACLSizePerRole: 2048' });
    // Exactly the quota, with white space around, is accepted.
    await createRole('big-trust', { AssumeRolePolicyDocument: `  ${padded(2048)}\n\n  ` });
  });

  it.each([100, 50000])('answers ValidationError for MaxSessionDuration %i', async (seconds) => {
    const error = await failure(createRole('bad-duration', { MaxSessionDuration: seconds }));
    expect(error).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(error.message).toContain('maxSessionDuration');
  });

  it('lists roles by path prefix a page at a time', async () => {
    for (const name of ['r1', 'r2', 'r3']) await createRole(name, { Path: '/paged/' });
    const first = await t.iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2 }));
    expect(first.Roles?.map((r) => r.RoleName)).toEqual(['r1', 'r2']);
    expect(first.IsTruncated).toBe(true);
    const second = await t.iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: first.Marker }));
    expect(second.Roles?.map((r) => r.RoleName)).toEqual(['r3']);
    expect(second.IsTruncated).toBe(false);
  });

  it('updates the description and session limit, and replaces the trust policy', async () => {
    await createRole('mutable', { Description: 'before' });
    await t.iam.send(new UpdateRoleCommand({ RoleName: 'mutable', MaxSessionDuration: 43200 }));
    let role = (await t.iam.send(new GetRoleCommand({ RoleName: 'mutable' }))).Role;
    expect(role).toMatchObject({ Description: 'before', MaxSessionDuration: 43200 });

    const updated = await t.iam.send(new UpdateRoleDescriptionCommand({ RoleName: 'mutable', Description: 'after' }));
    expect(updated.Role).toMatchObject({ RoleName: 'mutable', Description: 'after', MaxSessionDuration: 43200 });

    const next = trust({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] });
    await t.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'mutable', PolicyDocument: next }));
    role = (await t.iam.send(new GetRoleCommand({ RoleName: 'mutable' }))).Role;
    expect(decodeURIComponent(role?.AssumeRolePolicyDocument ?? '')).toBe(next);

    const bad = await failure(t.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'mutable', PolicyDocument: trust({ Effect: 'Allow', Action: 'sts:AssumeRole' }) })));
    expect(bad).toMatchObject({ name: 'MalformedPolicyDocument', status: 400 });
    const missing = await failure(t.iam.send(new UpdateRoleCommand({ RoleName: 'nobody', Description: 'x' })));
    expect(missing).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('tags and untags a role, and lists its tags a page at a time', async () => {
    await createRole('tagged');
    await t.iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }, { Key: 'c', Value: '3' }] }));
    await t.iam.send(new UntagRoleCommand({ RoleName: 'tagged', TagKeys: ['B'] }));
    const first = await t.iam.send(new ListRoleTagsCommand({ RoleName: 'tagged', MaxItems: 1 }));
    expect(first).toMatchObject({ Tags: [{ Key: 'a', Value: '1' }], IsTruncated: true });
    const second = await t.iam.send(new ListRoleTagsCommand({ RoleName: 'tagged', Marker: first.Marker }));
    expect(second).toMatchObject({ Tags: [{ Key: 'c', Value: '3' }], IsTruncated: false });
  });

  it('sets a permissions boundary on create, replaces and removes it', async () => {
    const readOnly = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    await createRole('bounded', { PermissionsBoundary: readOnly });
    let role = (await t.iam.send(new GetRoleCommand({ RoleName: 'bounded' }))).Role;
    expect(role?.PermissionsBoundary).toEqual({ PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: readOnly });
    await t.iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'bounded', PermissionsBoundary: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
    role = (await t.iam.send(new GetRoleCommand({ RoleName: 'bounded' }))).Role;
    expect(role?.PermissionsBoundary?.PermissionsBoundaryArn).toBe('arn:aws:iam::aws:policy/IAMReadOnlyAccess');
    await t.iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'bounded' }));
    role = (await t.iam.send(new GetRoleCommand({ RoleName: 'bounded' }))).Role;
    expect(role?.PermissionsBoundary).toBeUndefined();
  });

  it('answers NoSuchEntity for a boundary that is not an existing managed policy', async () => {
    const arn = `arn:aws:iam::${t.accountId}:policy/missing`;
    const onCreate = await failure(createRole('unbounded', { PermissionsBoundary: arn }));
    expect(onCreate).toMatchObject({ name: 'NoSuchEntity', status: 404, message: `Scope ARN: ${arn} does not exist or is not attachable.` });
    expect((await failure(t.iam.send(new GetRoleCommand({ RoleName: 'unbounded' })))).name).toBe('NoSuchEntity');
    await createRole('unbounded');
    const onPut = await failure(t.iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'unbounded', PermissionsBoundary: arn })));
    expect(onPut).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('sets and removes a user permissions boundary', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'bounded-user' }));
    const arn = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    await t.iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bounded-user', PermissionsBoundary: arn }));
    expect((await t.iam.send(new GetUserCommand({ UserName: 'bounded-user' }))).User?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(arn);
    await t.iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'bounded-user' }));
    expect((await t.iam.send(new GetUserCommand({ UserName: 'bounded-user' }))).User?.PermissionsBoundary).toBeUndefined();
    const missing = await failure(t.iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'nobody', PermissionsBoundary: arn })));
    expect(missing).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('refuses to delete a role while it is in an instance profile, then deletes it', async () => {
    await createRole('in-profile', { Tags: [{ Key: 'k', Value: 'v' }] });
    await t.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'holder' }));
    await t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'holder', RoleName: 'in-profile' }));
    const error = await failure(t.iam.send(new DeleteRoleCommand({ RoleName: 'in-profile' })));
    expect(error).toMatchObject({ name: 'DeleteConflict', status: 409, message: 'Cannot delete entity, must remove roles from instance profile first.' });
    await t.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'holder', RoleName: 'in-profile' }));
    await t.iam.send(new DeleteRoleCommand({ RoleName: 'in-profile' }));
    expect((await failure(t.iam.send(new GetRoleCommand({ RoleName: 'in-profile' })))).name).toBe('NoSuchEntity');
    // A role created again under the name starts without the old role's tags.
    await createRole('in-profile');
    expect((await t.iam.send(new ListRoleTagsCommand({ RoleName: 'in-profile' }))).Tags).toEqual([]);
  });

  // The rows are written straight to the store so that this file tests DeleteRole alone, whatever
  // the state of the policy operations.
  it.each([
    ['an attached managed policy', 'Cannot delete entity, must detach all policies first.'],
    ['an inline policy', 'Cannot delete entity, must delete policies first.'],
  ])('refuses to delete a role that still has %s', async (what, message) => {
    const name = what.includes('inline') ? 'with-inline' : 'with-attached';
    const roleId = (await createRole(name)).Role?.RoleId ?? '';
    const { db } = t.server.store;
    if (what.includes('inline')) {
      await db.insertInto('inline_policies').values({ principal_type: 'role', principal_id: roleId, name: 'p', document: '{}' }).execute();
    } else {
      const policy = await db.selectFrom('policies').select('id').where('arn', '=', 'arn:aws:iam::aws:policy/ReadOnlyAccess').executeTakeFirstOrThrow();
      await db.insertInto('attachments').values({ principal_type: 'role', principal_id: roleId, policy_id: policy.id }).execute();
    }
    const error = await failure(t.iam.send(new DeleteRoleCommand({ RoleName: name })));
    expect(error).toMatchObject({ name: 'DeleteConflict', status: 409, message });
    expect((await t.iam.send(new GetRoleCommand({ RoleName: name }))).Role?.RoleId).toBe(roleId);
  });

  it('answers NoSuchEntity when deleting a missing role', async () => {
    const error = await failure(t.iam.send(new DeleteRoleCommand({ RoleName: 'nobody' })));
    expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });
});
