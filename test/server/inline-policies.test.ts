/** Inline policies of users, groups and roles through the real SDK, on SQLite and PostgreSQL. */
import {
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteGroupPolicyCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  GetGroupPolicyCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  ListGroupPoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

const allow = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

/** A valid document with exactly `size` characters that are not white space, padded with white space. */
function sized(size: number): string {
  const head = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::';
  const tail = '"}]}';
  return `${head}${'a'.repeat(size - head.length - tail.length)}${tail}\n${' '.repeat(300)}\n`;
}

describe.each(BACKENDS)('inline policies on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
    await t.iam.send(new CreateUserCommand({ UserName: 'ivy' }));
    await t.iam.send(new CreateGroupCommand({ GroupName: 'ops' }));
    await t.iam.send(new CreateRoleCommand({ RoleName: 'runner', AssumeRolePolicyDocument: TRUST }));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('puts, gets (URL-encoded, as AWS returns it), lists, replaces and deletes a user policy', async () => {
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'ivy', PolicyName: 'read', PolicyDocument: allow('s3:GetObject') }));
    const got = await t.iam.send(new GetUserPolicyCommand({ UserName: 'IVY', PolicyName: 'read' }));
    expect(got).toMatchObject({ UserName: 'ivy', PolicyName: 'read', PolicyDocument: encodeURIComponent(allow('s3:GetObject')) });
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'ivy', PolicyName: 'read', PolicyDocument: allow('s3:ListBucket') }));
    const replaced = await t.iam.send(new GetUserPolicyCommand({ UserName: 'ivy', PolicyName: 'read' }));
    expect(decodeURIComponent(replaced.PolicyDocument!)).toBe(allow('s3:ListBucket'));
    expect((await t.iam.send(new ListUserPoliciesCommand({ UserName: 'ivy' }))).PolicyNames).toEqual(['read']);
    await t.iam.send(new DeleteUserPolicyCommand({ UserName: 'ivy', PolicyName: 'read' }));
    const gone = await failure(t.iam.send(new GetUserPolicyCommand({ UserName: 'ivy', PolicyName: 'read' })));
    expect(gone).toMatchObject({ name: 'NoSuchEntity', status: 404, message: 'The user policy with name read cannot be found.' });
    expect((await failure(t.iam.send(new DeleteUserPolicyCommand({ UserName: 'ivy', PolicyName: 'read' })))).name).toBe('NoSuchEntity');
  });

  it('does the same for groups and roles', async () => {
    await t.iam.send(new PutGroupPolicyCommand({ GroupName: 'ops', PolicyName: 'g', PolicyDocument: allow('ec2:Describe*') }));
    await t.iam.send(new PutRolePolicyCommand({ RoleName: 'runner', PolicyName: 'r', PolicyDocument: allow('sqs:SendMessage') }));
    expect((await t.iam.send(new GetGroupPolicyCommand({ GroupName: 'ops', PolicyName: 'g' }))).PolicyDocument).toBe(encodeURIComponent(allow('ec2:Describe*')));
    expect((await t.iam.send(new GetRolePolicyCommand({ RoleName: 'runner', PolicyName: 'r' }))).RoleName).toBe('runner');
    expect((await t.iam.send(new ListGroupPoliciesCommand({ GroupName: 'ops' }))).PolicyNames).toEqual(['g']);
    expect((await t.iam.send(new ListRolePoliciesCommand({ RoleName: 'runner' }))).PolicyNames).toEqual(['r']);
    await t.iam.send(new DeleteGroupPolicyCommand({ GroupName: 'ops', PolicyName: 'g' }));
    await t.iam.send(new DeleteRolePolicyCommand({ RoleName: 'runner', PolicyName: 'r' }));
    expect(await failure(t.iam.send(new GetRolePolicyCommand({ RoleName: 'runner', PolicyName: 'r' })))).toMatchObject({
      name: 'NoSuchEntity',
      message: 'The role policy with name r cannot be found.',
    });
  });

  it('lists policy names a page at a time', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'pager' }));
    for (const name of ['a', 'b', 'c']) await t.iam.send(new PutUserPolicyCommand({ UserName: 'pager', PolicyName: name, PolicyDocument: allow('s3:GetObject') }));
    const first = await t.iam.send(new ListUserPoliciesCommand({ UserName: 'pager', MaxItems: 2 }));
    expect(first).toMatchObject({ PolicyNames: ['a', 'b'], IsTruncated: true });
    const rest = await t.iam.send(new ListUserPoliciesCommand({ UserName: 'pager', Marker: first.Marker }));
    expect(rest).toMatchObject({ PolicyNames: ['c'], IsTruncated: false });
  });

  it('answers MalformedPolicyDocument, NoSuchEntity and ValidationError for bad input', async () => {
    const malformed = await failure(t.iam.send(new PutUserPolicyCommand({ UserName: 'ivy', PolicyName: 'p', PolicyDocument: '{"Statement":[{"Effect":"Maybe"}]}' })));
    expect(malformed).toMatchObject({ name: 'MalformedPolicyDocument', status: 400 });
    const missing = await failure(t.iam.send(new PutRolePolicyCommand({ RoleName: 'ghost', PolicyName: 'p', PolicyDocument: allow('s3:GetObject') })));
    expect(missing).toMatchObject({ name: 'NoSuchEntity', message: 'The role with name ghost cannot be found.' });
    const name = await failure(t.iam.send(new PutUserPolicyCommand({ UserName: 'ivy', PolicyName: 'x'.repeat(129), PolicyDocument: allow('s3:GetObject') })));
    expect(name).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  // Quotas are aggregate: the second policy counts the first (IAM UG, "IAM and AWS STS quotas").
  it.each([
    ['user', 2048],
    ['group', 5120],
    ['role', 10240],
  ] as const)('accepts %s inline policies totalling exactly %i characters besides white space, and refuses one more', async (kind, limit) => {
    const name = `quota-${kind}`;
    if (kind === 'user') await t.iam.send(new CreateUserCommand({ UserName: name }));
    if (kind === 'group') await t.iam.send(new CreateGroupCommand({ GroupName: name }));
    if (kind === 'role') await t.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }));
    const put = (policyName: string, document: string) =>
      kind === 'user'
        ? t.iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: policyName, PolicyDocument: document }))
        : kind === 'group'
          ? t.iam.send(new PutGroupPolicyCommand({ GroupName: name, PolicyName: policyName, PolicyDocument: document }))
          : t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: policyName, PolicyDocument: document }));
    await put('first', sized(1000));
    await put('second', sized(limit - 1000));
    const over = await failure(put('second', sized(limit - 999)));
    expect(over).toMatchObject({ name: 'LimitExceeded', status: 409, message: `Maximum policy size of ${limit} bytes exceeded for ${kind} ${name}` });
    // Replacing a policy counts its new size, not old and new together.
    await put('first', sized(1000));
  });
});
