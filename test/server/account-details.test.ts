/** GetAccountAuthorizationDetails through the real SDK, on SQLite and PostgreSQL. */
import {
  AddRoleToInstanceProfileCommand,
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetAccountAuthorizationDetailsCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

const allow = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

describe.each(BACKENDS)('account authorization details on %s', (backend) => {
  let t: TestServer;
  let policyArn: string;
  beforeAll(async () => {
    t = await startTestServer(backend);
    policyArn = (await t.iam.send(new CreatePolicyCommand({ PolicyName: 'Local', PolicyDocument: allow('s3:GetObject') }))).Policy!.Arn!;
    await t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: allow('s3:PutObject'), SetAsDefault: true }));
    await t.iam.send(new CreateUserCommand({ UserName: 'uma', Tags: [{ Key: 'team', Value: 'red' }] }));
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'uma', PolicyName: 'own', PolicyDocument: allow('sqs:*') }));
    await t.iam.send(new AttachUserPolicyCommand({ UserName: 'uma', PolicyArn: policyArn }));
    await t.iam.send(new CreateGroupCommand({ GroupName: 'crew' }));
    await t.iam.send(new AddUserToGroupCommand({ GroupName: 'crew', UserName: 'uma' }));
    await t.iam.send(new PutGroupPolicyCommand({ GroupName: 'crew', PolicyName: 'shared', PolicyDocument: allow('sns:*') }));
    await t.iam.send(new AttachGroupPolicyCommand({ GroupName: 'crew', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    await t.iam.send(new CreateRoleCommand({ RoleName: 'svc', AssumeRolePolicyDocument: TRUST }));
    await t.iam.send(new PutRolePolicyCommand({ RoleName: 'svc', PolicyName: 'logs', PolicyDocument: allow('logs:*') }));
    await t.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'svc-profile' }));
    await t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'svc-profile', RoleName: 'svc' }));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('describes users with their inline, attached and group policies and tags', async () => {
    const details = await t.iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User'] }));
    const uma = details.UserDetailList?.find((u) => u.UserName === 'uma');
    expect(uma).toMatchObject({
      Arn: `arn:aws:iam::${t.accountId}:user/uma`,
      UserPolicyList: [{ PolicyName: 'own', PolicyDocument: encodeURIComponent(allow('sqs:*')) }],
      GroupList: ['crew'],
      AttachedManagedPolicies: [{ PolicyName: 'Local', PolicyArn: policyArn }],
      Tags: [{ Key: 'team', Value: 'red' }],
    });
    expect(details.UserDetailList?.map((u) => u.UserName)).toEqual(['admin', 'uma']);
    expect([details.GroupDetailList, details.RoleDetailList, details.Policies]).toEqual([[], [], []]);
  });

  it('describes groups, and roles with their trust policy and instance profiles', async () => {
    const details = await t.iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Group', 'Role'] }));
    expect(details.GroupDetailList).toMatchObject([
      { GroupName: 'crew', GroupPolicyList: [{ PolicyName: 'shared' }], AttachedManagedPolicies: [{ PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }] },
    ]);
    const role = details.RoleDetailList?.[0];
    expect(role).toMatchObject({ RoleName: 'svc', AssumeRolePolicyDocument: encodeURIComponent(TRUST), RolePolicyList: [{ PolicyName: 'logs' }] });
    expect(role?.InstanceProfileList?.map((p) => [p.InstanceProfileName, p.Roles?.map((r) => r.RoleName)])).toEqual([['svc-profile', ['svc']]]);
  });

  it('lists local policies with every version, and only the AWS-managed policies in use', async () => {
    const local = await t.iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['LocalManagedPolicy'] }));
    expect(local.Policies).toHaveLength(1);
    expect(local.Policies?.[0]).toMatchObject({ PolicyName: 'Local', DefaultVersionId: 'v2', AttachmentCount: 1 });
    expect(local.Policies?.[0]?.PolicyVersionList?.map((v) => [v.VersionId, v.IsDefaultVersion, v.Document])).toEqual([
      ['v2', true, encodeURIComponent(allow('s3:PutObject'))],
      ['v1', false, encodeURIComponent(allow('s3:GetObject'))],
    ]);
    const aws = await t.iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['AWSManagedPolicy'] }));
    expect(aws.Policies?.map((p) => p.PolicyName)).toEqual(['AdministratorAccess', 'ReadOnlyAccess']);
  });

  it('pages through every section and returns each item exactly once', async () => {
    const whole = await t.iam.send(new GetAccountAuthorizationDetailsCommand({}));
    const names = (page: GetAccountAuthorizationDetailsCommandOutput) => [
      ...(page.UserDetailList ?? []).map((u) => `user:${u.UserName}`),
      ...(page.GroupDetailList ?? []).map((g) => `group:${g.GroupName}`),
      ...(page.RoleDetailList ?? []).map((r) => `role:${r.RoleName}`),
      ...(page.Policies ?? []).map((p) => `policy:${p.PolicyName}`),
    ];
    expect(whole.IsTruncated).toBe(false);
    expect(names(whole)).toEqual(['user:admin', 'user:uma', 'group:crew', 'role:svc', 'policy:Local', 'policy:AdministratorAccess', 'policy:ReadOnlyAccess']);
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await t.iam.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 2, Marker: marker }));
      expect(names(page).length).toBeLessThanOrEqual(2);
      seen.push(...names(page));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    expect(seen).toEqual(names(whole));
  });

  it('refuses a tampered marker with InvalidParameterValue (the model lists no InvalidInput for it)', async () => {
    const error = await failure(t.iam.send(new GetAccountAuthorizationDetailsCommand({ Marker: Buffer.from('9:zzz').toString('base64url') })));
    expect(error).toMatchObject({ name: 'InvalidParameterValue', status: 400 });
  });
});
