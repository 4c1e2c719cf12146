/** Managed policies attached to users, groups and roles through the real SDK, on SQLite and PostgreSQL. */
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetPolicyCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

const DOCUMENT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

describe.each(BACKENDS)('policy attachments on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  const policy = async (name: string, path = '/') => (await t.iam.send(new CreatePolicyCommand({ PolicyName: name, Path: path, PolicyDocument: DOCUMENT }))).Policy!.Arn!;

  it('attaches to a user, group and role, lists, counts and detaches', async () => {
    const arn = await policy('Shared');
    await t.iam.send(new CreateUserCommand({ UserName: 'ann' }));
    await t.iam.send(new CreateGroupCommand({ GroupName: 'devs' }));
    await t.iam.send(new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: TRUST }));
    await t.iam.send(new AttachUserPolicyCommand({ UserName: 'ann', PolicyArn: arn }));
    await t.iam.send(new AttachGroupPolicyCommand({ GroupName: 'devs', PolicyArn: arn }));
    await t.iam.send(new AttachRolePolicyCommand({ RoleName: 'worker', PolicyArn: arn }));
    expect((await t.iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.AttachmentCount).toBe(3);
    const expected = [{ PolicyName: 'Shared', PolicyArn: arn }];
    expect((await t.iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'ann' }))).AttachedPolicies).toEqual(expected);
    expect((await t.iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'devs' }))).AttachedPolicies).toEqual(expected);
    expect((await t.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'worker' }))).AttachedPolicies).toEqual(expected);

    const entities = await t.iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn }));
    expect(entities.PolicyUsers?.map((u) => u.UserName)).toEqual(['ann']);
    expect(entities.PolicyGroups?.map((g) => g.GroupName)).toEqual(['devs']);
    expect(entities.PolicyRoles?.map((r) => r.RoleName)).toEqual(['worker']);
    const roles = await t.iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, EntityFilter: 'Role' }));
    expect([roles.PolicyUsers, roles.PolicyGroups, roles.PolicyRoles?.map((r) => r.RoleName)]).toEqual([[], [], ['worker']]);
    const paged = await t.iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, MaxItems: 2 }));
    expect(paged.IsTruncated).toBe(true);
    const rest = await t.iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, Marker: paged.Marker }));
    expect([...(paged.PolicyGroups ?? []), ...(paged.PolicyRoles ?? []), ...(paged.PolicyUsers ?? []), ...(rest.PolicyGroups ?? []), ...(rest.PolicyRoles ?? []), ...(rest.PolicyUsers ?? [])]).toHaveLength(3);

    await t.iam.send(new DetachUserPolicyCommand({ UserName: 'ann', PolicyArn: arn }));
    await t.iam.send(new DetachGroupPolicyCommand({ GroupName: 'devs', PolicyArn: arn }));
    await t.iam.send(new DetachRolePolicyCommand({ RoleName: 'worker', PolicyArn: arn }));
    expect((await t.iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.AttachmentCount).toBe(0);
  });

  it('treats a second attach as a no-op, and a detach of what is not attached as NoSuchEntity', async () => {
    const arn = await policy('Twice');
    await t.iam.send(new CreateUserCommand({ UserName: 'bo' }));
    await t.iam.send(new AttachUserPolicyCommand({ UserName: 'bo', PolicyArn: arn }));
    await t.iam.send(new AttachUserPolicyCommand({ UserName: 'bo', PolicyArn: arn }));
    expect((await t.iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'bo' }))).AttachedPolicies).toHaveLength(1);
    await t.iam.send(new DetachUserPolicyCommand({ UserName: 'bo', PolicyArn: arn }));
    const error = await failure(t.iam.send(new DetachUserPolicyCommand({ UserName: 'bo', PolicyArn: arn })));
    expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404, message: `Policy ${arn} was not found.` });
  });

  it('answers NoSuchEntity for a missing policy or principal', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'cy' }));
    const missingPolicy = `arn:aws:iam::${t.accountId}:policy/Missing`;
    expect(await failure(t.iam.send(new AttachUserPolicyCommand({ UserName: 'cy', PolicyArn: missingPolicy })))).toMatchObject({
      name: 'NoSuchEntity',
      status: 404,
      message: `Policy ${missingPolicy} does not exist or is not attachable.`,
    });
    const arn = await policy('Orphan');
    expect(await failure(t.iam.send(new AttachGroupPolicyCommand({ GroupName: 'nogroup', PolicyArn: arn })))).toMatchObject({
      name: 'NoSuchEntity',
      message: 'The group with name nogroup cannot be found.',
    });
    expect((await failure(t.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'norole' })))).name).toBe('NoSuchEntity');
  });

  it('attaches an AWS-managed policy', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'reader' }));
    await t.iam.send(new AttachUserPolicyCommand({ UserName: 'reader', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    const attached = await t.iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'reader' }));
    expect(attached.AttachedPolicies).toEqual([{ PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }]);
  });

  it('lists attached policies by path prefix, a page at a time', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'dee' }));
    for (const name of ['PA', 'PB', 'PC']) await t.iam.send(new AttachUserPolicyCommand({ UserName: 'dee', PolicyArn: await policy(name, '/pfx/') }));
    await t.iam.send(new AttachUserPolicyCommand({ UserName: 'dee', PolicyArn: await policy('Elsewhere') }));
    const first = await t.iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'dee', PathPrefix: '/pfx/', MaxItems: 2 }));
    expect(first.AttachedPolicies?.map((p) => p.PolicyName)).toEqual(['PA', 'PB']);
    expect(first.IsTruncated).toBe(true);
    const rest = await t.iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'dee', PathPrefix: '/pfx/', Marker: first.Marker }));
    expect(rest.AttachedPolicies?.map((p) => p.PolicyName)).toEqual(['PC']);
  });

  it('lets exactly 10 of 11 concurrent attaches to one user succeed, the rest LimitExceeded', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'full' }));
    const arns = await Promise.all(Array.from({ length: 11 }, (_, i) => policy(`Quota${i}`)));
    const outcomes = await Promise.allSettled(arns.map((arn) => t.iam.send(new AttachUserPolicyCommand({ UserName: 'full', PolicyArn: arn }))));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(rejected.map((o) => [(o.reason as { Code?: string }).Code, (o.reason as Error).message])).toEqual([['LimitExceeded', 'Cannot exceed quota for PoliciesPerUser: 10']]);
    expect((await t.iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'full' }))).AttachedPolicies).toHaveLength(10);
  });

  it('caps a group at 10 policies too', async () => {
    await t.iam.send(new CreateGroupCommand({ GroupName: 'fullgroup' }));
    for (let i = 0; i < 10; i++) await t.iam.send(new AttachGroupPolicyCommand({ GroupName: 'fullgroup', PolicyArn: `arn:aws:iam::${t.accountId}:policy/Quota${i}` }));
    const error = await failure(t.iam.send(new AttachGroupPolicyCommand({ GroupName: 'fullgroup', PolicyArn: `arn:aws:iam::${t.accountId}:policy/Quota10` })));
    expect(error).toMatchObject({ name: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for PoliciesPerGroup: 10' });
  });
});
