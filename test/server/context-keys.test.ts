/** GetContextKeysForCustomPolicy and GetContextKeysForPrincipalPolicy through the real SDK, on SQLite and PostgreSQL. */
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetContextKeysForCustomPolicyCommand,
  GetContextKeysForPrincipalPolicyCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

const doc = (statement: Record<string, unknown> | Record<string, unknown>[], version = '2012-10-17') => JSON.stringify({ Version: version, Statement: statement });

const sorted = (keys: readonly string[] | undefined) => [...(keys ?? [])].sort();

describe.each(BACKENDS)('context keys on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists the condition keys and the policy variables of custom policies, each once', async () => {
    const first = doc([
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::bucket', Condition: { StringLike: { 's3:prefix': ['home/${aws:username}/*'] }, IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/home/${aws:username}/${aws:PrincipalTag/team, \'none\'}/*' },
    ]);
    // The same key in another spelling, and a key used twice, are listed once; `${*}` is an escape, not a key.
    const second = doc({ Effect: 'Deny', Action: '*', Resource: 'arn:aws:s3:::${*}', Condition: { NotIpAddress: { 'aws:sourceip': '198.51.100.0/24' }, Bool: { 'aws:MultiFactorAuthPresent': false } } });
    const result = await t.iam.send(new GetContextKeysForCustomPolicyCommand({ PolicyInputList: [first, second] }));
    expect(sorted(result.ContextKeyNames)).toEqual(sorted(['s3:prefix', 'aws:username', 'aws:SourceIp', 'aws:PrincipalTag/team', 'aws:MultiFactorAuthPresent']));
  });

  it('treats ${...} as text in a policy without Version 2012-10-17', async () => {
    const old = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/${aws:username}', Condition: { StringEquals: { 'ec2:Region': 'us-east-1' } } }, '2008-10-17');
    const result = await t.iam.send(new GetContextKeysForCustomPolicyCommand({ PolicyInputList: [old] }));
    expect(result.ContextKeyNames).toEqual(['ec2:Region']);
  });

  it('answers an empty list for a policy without conditions or variables', async () => {
    const result = await t.iam.send(new GetContextKeysForCustomPolicyCommand({ PolicyInputList: [doc({ Effect: 'Allow', Action: '*', Resource: '*' })] }));
    expect(result.ContextKeyNames ?? []).toEqual([]);
  });

  it('refuses a malformed document with InvalidInput', async () => {
    const error = await failure(t.iam.send(new GetContextKeysForCustomPolicyCommand({ PolicyInputList: ['{"Version":"2012-10-17","Statement":'] })));
    expect(error).toMatchObject({ name: 'InvalidInput', status: 400 });
  });

  it("gathers a user's inline, attached and group policies with the given ones", async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'keys-alice', Path: '/eng/' }));
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'keys-alice', PolicyName: 'inline', PolicyDocument: doc({ Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }) }));
    const managed = await t.iam.send(
      new CreatePolicyCommand({ PolicyName: 'keys-managed', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } }) }),
    );
    await t.iam.send(new AttachUserPolicyCommand({ UserName: 'keys-alice', PolicyArn: managed.Policy?.Arn }));
    await t.iam.send(new CreateGroupCommand({ GroupName: 'keys-group' }));
    await t.iam.send(new AddUserToGroupCommand({ GroupName: 'keys-group', UserName: 'keys-alice' }));
    await t.iam.send(new PutGroupPolicyCommand({ GroupName: 'keys-group', PolicyName: 'g', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::${aws:userid}/*' }) }));
    const given = doc({ Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*', Condition: { StringEquals: { 'ec2:InstanceType': 't3.micro', 'aws:requestedregion': 'eu-west-1' } } });
    const result = await t.iam.send(new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${t.accountId}:user/eng/keys-alice`, PolicyInputList: [given] }));
    expect(sorted(result.ContextKeyNames)).toEqual(sorted(['aws:RequestedRegion', 'iam:PassedToService', 'aws:userid', 'ec2:InstanceType']));

    // The group's own policies, without its members'.
    const group = await t.iam.send(new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${t.accountId}:group/keys-group` }));
    expect(group.ContextKeyNames).toEqual(['aws:userid']);
  });

  it("gathers a role's policies", async () => {
    const trust = doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' });
    await t.iam.send(new CreateRoleCommand({ RoleName: 'keys-role', AssumeRolePolicyDocument: trust }));
    await t.iam.send(new PutRolePolicyCommand({ RoleName: 'keys-role', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/env': 'dev' } } }) }));
    const result = await t.iam.send(new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${t.accountId}:role/keys-role` }));
    expect(result.ContextKeyNames).toEqual(['aws:ResourceTag/env']);
  });

  it('answers NoSuchEntity for a principal that does not exist, and InvalidInput for an ARN that names none', async () => {
    const missing = await failure(t.iam.send(new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${t.accountId}:user/nobody` })));
    expect(missing).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    // The user exists, but not at this path.
    const wrongPath = await failure(t.iam.send(new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${t.accountId}:user/keys-alice` })));
    expect(wrongPath).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    const invalid = await failure(t.iam.send(new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: `arn:aws:s3:::bucket-with-a-long-enough-name` })));
    expect(invalid).toMatchObject({ name: 'InvalidInput', status: 400 });
  });
});
