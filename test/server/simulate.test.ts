/** The policy simulator through the real SDK, on SQLite and PostgreSQL. */
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  PutGroupPolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (action: string, extra: object = {}) => ({ Effect: 'Allow', Action: action, Resource: '*', ...extra });
const deny = (action: string) => ({ Effect: 'Deny', Action: action, Resource: '*' });

describe.each(BACKENDS)('policy simulation on %s', (backend) => {
  let t: TestServer;
  let userArn: string;
  beforeAll(async () => {
    t = await startTestServer(backend);
    userArn = (await t.iam.send(new CreateUserCommand({ UserName: 'sim' }))).User!.Arn!;
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'sim', PolicyName: 'own', PolicyDocument: policy(allow('s3:*'), deny('s3:DeleteBucket')) }));
    await t.iam.send(new CreateGroupCommand({ GroupName: 'simgroup' }));
    await t.iam.send(new AddUserToGroupCommand({ GroupName: 'simgroup', UserName: 'sim' }));
    await t.iam.send(new PutGroupPolicyCommand({ GroupName: 'simgroup', PolicyName: 'grp', PolicyDocument: policy(allow('sqs:SendMessage')) }));
    await t.iam.send(new AttachUserPolicyCommand({ UserName: 'sim', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
  });
  afterAll(async () => {
    await t?.close();
  });

  it("simulates a user's own, group and attached policies with the decisions enforcement makes", async () => {
    const result = await t.iam.send(
      new SimulatePrincipalPolicyCommand({ PolicySourceArn: userArn, ActionNames: ['s3:GetObject', 's3:DeleteBucket', 'sqs:SendMessage', 'iam:ListUsers', 'ec2:RunInstances'] }),
    );
    const decisions = result.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision]);
    expect(decisions).toEqual([
      ['s3:GetObject', '*', 'allowed'],
      ['s3:DeleteBucket', '*', 'explicitDeny'],
      ['sqs:SendMessage', '*', 'allowed'],
      ['iam:ListUsers', '*', 'allowed'],
      ['ec2:RunInstances', '*', 'implicitDeny'],
    ]);
    const sources = result.EvaluationResults?.map((r) => r.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType]));
    expect(sources).toEqual([[['own', 'user']], [['own', 'user'], ['own', 'user']], [['grp', 'group']], [['IAMReadOnlyAccess', 'aws-managed']], []]);
    expect(result.IsTruncated).toBe(false);
  });

  it('gives the position of each matched statement in its document', async () => {
    const document = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}\n  ]\n}';
    const result = await t.iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [document], ActionNames: ['s3:GetObject'] }));
    expect(result.EvaluationResults?.[0]?.MatchedStatements).toEqual([
      { SourcePolicyId: 'PolicyInputList.1', SourcePolicyType: 'none', StartPosition: { Line: 4, Column: 5 }, EndPosition: { Line: 4, Column: 66 } },
    ]);
  });

  it('evaluates custom policies per action and resource, with context entries and missing keys reported', async () => {
    const conditional = policy(allow('s3:GetObject', { Resource: 'arn:aws:s3:::bucket/*', Condition: { StringEquals: { 'aws:RequestTag/team': 'red' } } }));
    const without = await t.iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [conditional], ActionNames: ['s3:GetObject'], ResourceArns: ['arn:aws:s3:::bucket/k', 'arn:aws:s3:::other/k'] }));
    expect(without.EvaluationResults?.map((r) => [r.EvalResourceName, r.EvalDecision, r.MissingContextValues])).toEqual([
      ['arn:aws:s3:::bucket/k', 'implicitDeny', ['aws:RequestTag/team']],
      ['arn:aws:s3:::other/k', 'implicitDeny', ['aws:RequestTag/team']],
    ]);
    const withContext = await t.iam.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [conditional],
        ActionNames: ['s3:GetObject'],
        ResourceArns: ['arn:aws:s3:::bucket/k', 'arn:aws:s3:::other/k'],
        ContextEntries: [{ ContextKeyName: 'aws:RequestTag/team', ContextKeyValues: ['red'], ContextKeyType: 'string' }],
      }),
    );
    expect(withContext.EvaluationResults?.map((r) => [r.EvalDecision, r.MissingContextValues])).toEqual([
      ['allowed', []],
      ['implicitDeny', []],
    ]);
  });

  it('applies a permissions boundary, given or stored, and says whether it allowed', async () => {
    const custom = await t.iam.send(
      new SimulateCustomPolicyCommand({ PolicyInputList: [policy(allow('*'))], PermissionsBoundaryPolicyInputList: [policy(allow('s3:*'))], ActionNames: ['s3:GetObject', 'iam:CreateUser'] }),
    );
    expect(custom.EvaluationResults?.map((r) => [r.EvalDecision, r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary])).toEqual([
      ['allowed', true],
      ['implicitDeny', false],
    ]);
    const boundary = (await t.iam.send(new CreatePolicyCommand({ PolicyName: 'OnlySqs', PolicyDocument: policy(allow('sqs:*')) }))).Policy!.Arn!;
    await t.iam.send(new CreateUserCommand({ UserName: 'bounded' }));
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'bounded', PolicyName: 'all', PolicyDocument: policy(allow('*')) }));
    await t.iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: boundary }));
    const stored = await t.iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${t.accountId}:user/bounded`, ActionNames: ['sqs:SendMessage', 's3:GetObject'] }));
    expect(stored.EvaluationResults?.map((r) => r.EvalDecision)).toEqual(['allowed', 'implicitDeny']);
  });

  it('honours a resource policy naming the caller', async () => {
    const resourcePolicy = policy({ Effect: 'Allow', Principal: { AWS: userArn }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*' });
    const result = await t.iam.send(
      new SimulateCustomPolicyCommand({ PolicyInputList: [policy(allow('sqs:*'))], ResourcePolicy: resourcePolicy, CallerArn: userArn, ActionNames: ['s3:GetObject'], ResourceArns: ['arn:aws:s3:::shared/x'] }),
    );
    expect(result.EvaluationResults?.[0]).toMatchObject({ EvalDecision: 'allowed', MatchedStatements: [{ SourcePolicyId: 'ResourcePolicy', SourcePolicyType: 'resource' }] });
  });

  it('pages the results', async () => {
    const input = { PolicyInputList: [policy(allow('s3:*'))], ActionNames: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'] };
    const first = await t.iam.send(new SimulateCustomPolicyCommand({ ...input, MaxItems: 2 }));
    expect(first.EvaluationResults?.map((r) => r.EvalActionName)).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(first.IsTruncated).toBe(true);
    const rest = await t.iam.send(new SimulateCustomPolicyCommand({ ...input, Marker: first.Marker }));
    expect(rest.EvaluationResults?.map((r) => r.EvalActionName)).toEqual(['s3:ListBucket']);
  });

  it('answers InvalidInput for a bad policy and NoSuchEntity for an unknown principal', async () => {
    const bad = await failure(t.iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: ['{"Version":'], ActionNames: ['s3:GetObject'] })));
    expect(bad).toMatchObject({ name: 'InvalidInput', status: 400 });
    const unknown = await failure(t.iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${t.accountId}:user/nobody`, ActionNames: ['s3:GetObject'] })));
    expect(unknown).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    const malformed = await failure(t.iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${t.accountId}:bucket/x`, ActionNames: ['s3:GetObject'] })));
    expect(malformed).toMatchObject({ name: 'InvalidInput', status: 400 });
  });
});
