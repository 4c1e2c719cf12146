/**
 * Service last accessed data through the real SDK, on SQLite and PostgreSQL: what a user and a role
 * session were authorized to do shows in the reports, per service and per action, with the
 * entities that did it, and ListPoliciesGrantingServiceAccess names the policies that allow each
 * service.
 */
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GenerateServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsWithEntitiesCommand,
  type GetServiceLastAccessedDetailsResponse,
  ListPoliciesGrantingServiceAccessCommand,
  ListRolesCommand,
  ListUsersCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAccessRecorder } from '../../src/iam/access-records.js';
import type { Caller } from '../../src/iam/context.js';
import { ManualClock } from '../../src/shared/clock.js';
import { BACKENDS, createSecondAccount, failure, startTestServer, type Credentials, type TestServer } from '../helpers/server.js';

const READER_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['iam:List*', 'iam:Get*', 'iam:GenerateServiceLastAccessedDetails'], Resource: '*' },
    { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
    { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
    { Effect: 'Deny', Action: 'ec2:*', Resource: '*' },
  ],
});

describe.each(BACKENDS)('service last accessed on %s', (backend) => {
  let t: TestServer;
  // Whole seconds: the wire carries dates to the second.
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  let reader: Credentials;
  let userArn: string;
  let roleArn: string;

  beforeAll(async () => {
    t = await startTestServer(backend, { clock, region: 'eu-west-1' });
    const user = await t.iam.send(new CreateUserCommand({ UserName: 'reader' }));
    userArn = user.User?.Arn ?? '';
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'reader-policy', PolicyDocument: READER_POLICY }));
    const key = await t.iam.send(new CreateAccessKeyCommand({ UserName: 'reader' }));
    reader = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: userArn }, Action: 'sts:AssumeRole' }] };
    const role = await t.iam.send(new CreateRoleCommand({ RoleName: 'auditor', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    roleArn = role.Role?.Arn ?? '';
    await t.iam.send(new PutRolePolicyCommand({ RoleName: 'auditor', PolicyName: 'audit', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' }] }) }));

    // The user lists users, then acts through the role; a refused call counts for nothing.
    await t.iamAs(reader).send(new ListUsersCommand({}));
    expect(await failure(t.iamAs(reader).send(new CreateUserCommand({ UserName: 'nope' })))).toMatchObject({ name: 'AccessDenied' });
    const assumed = await t.stsAs(reader).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'audit' }));
    const session = { accessKeyId: assumed.Credentials?.AccessKeyId ?? '', secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '', sessionToken: assumed.Credentials?.SessionToken ?? '' };
    await t.iamAs(session).send(new ListRolesCommand({}));
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Generates a report and reads it once the recorded calls (written after their answers) show. */
  async function report(arn: string, granularity: 'SERVICE_LEVEL' | 'ACTION_LEVEL' = 'SERVICE_LEVEL'): Promise<{ jobId: string; details: GetServiceLastAccessedDetailsResponse }> {
    const { JobId = '' } = await t.iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: arn, Granularity: granularity }));
    let details: GetServiceLastAccessedDetailsResponse | undefined;
    await vi.waitFor(async () => {
      details = await t.iam.send(new GetServiceLastAccessedDetailsCommand({ JobId }));
      expect(details.ServicesLastAccessed?.find((s) => s.ServiceNamespace === 'iam')?.LastAuthenticated).toBeDefined();
    });
    return { jobId: JobId, details: details as GetServiceLastAccessedDetailsResponse };
  }

  it('reports each service the user may use, with when it last used it', async () => {
    const { details } = await report(userArn);
    expect(details).toMatchObject({ JobStatus: 'COMPLETED', JobType: 'SERVICE_LEVEL', IsTruncated: false });
    expect(details.JobCreationDate).toEqual(new Date(clock.now()));
    expect(details.ServicesLastAccessed?.map((s) => s.ServiceNamespace)).toEqual(['iam', 's3', 'sts']);
    const [iam, s3] = details.ServicesLastAccessed ?? [];
    expect(iam).toEqual({
      ServiceName: 'AWS Identity and Access Management (IAM)',
      ServiceNamespace: 'iam',
      LastAuthenticated: new Date(clock.now()),
      LastAuthenticatedEntity: userArn,
      LastAuthenticatedRegion: 'eu-west-1',
      TotalAuthenticatedEntities: 1,
    });
    // Allowed, never used: no last authentication.
    expect(s3).toMatchObject({ ServiceNamespace: 's3', TotalAuthenticatedEntities: 0 });
    expect(s3?.LastAuthenticated).toBeUndefined();
    expect(iam?.TrackedActionsLastAccessed).toBeUndefined();
  });

  it('pages the services with Marker and MaxItems', async () => {
    const { jobId } = await report(userArn);
    const first = await t.iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: jobId, MaxItems: 2 }));
    expect(first.ServicesLastAccessed?.map((s) => s.ServiceNamespace)).toEqual(['iam', 's3']);
    expect(first.IsTruncated).toBe(true);
    const second = await t.iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: jobId, MaxItems: 2, Marker: first.Marker }));
    expect(second.ServicesLastAccessed?.map((s) => s.ServiceNamespace)).toEqual(['sts']);
    expect(second.IsTruncated).toBe(false);
  });

  it('lists the actions used at ACTION_LEVEL', async () => {
    const { details } = await report(userArn, 'ACTION_LEVEL');
    expect(details.JobType).toBe('ACTION_LEVEL');
    const iam = details.ServicesLastAccessed?.find((s) => s.ServiceNamespace === 'iam');
    // The refused CreateUser is not there.
    expect(iam?.TrackedActionsLastAccessed).toEqual([{ ActionName: 'ListUsers', LastAccessedEntity: userArn, LastAccessedTime: new Date(clock.now()), LastAccessedRegion: 'eu-west-1' }]);
  });

  it('records a role session under its role', async () => {
    const { details } = await report(roleArn, 'ACTION_LEVEL');
    expect(details.ServicesLastAccessed?.map((s) => s.ServiceNamespace)).toEqual(['iam']);
    expect(details.ServicesLastAccessed?.[0]).toMatchObject({ LastAuthenticatedEntity: roleArn, TrackedActionsLastAccessed: [{ ActionName: 'ListRoles' }] });
  });

  it('names the entities that used a service', async () => {
    const { jobId } = await report(userArn);
    const iam = await t.iam.send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: jobId, ServiceNamespace: 'iam' }));
    expect(iam).toMatchObject({ JobStatus: 'COMPLETED', IsTruncated: false });
    expect(iam.EntityDetailsList).toEqual([
      { EntityInfo: { Arn: userArn, Name: 'reader', Type: 'USER', Id: expect.stringMatching(/^AIDA/), Path: '/' }, LastAuthenticated: new Date(clock.now()) },
    ]);
    const s3 = await t.iam.send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: jobId, ServiceNamespace: 's3' }));
    expect(s3.EntityDetailsList ?? []).toEqual([]);
  });

  it('lists the policies granting access to each service', async () => {
    const answer = await t.iam.send(new ListPoliciesGrantingServiceAccessCommand({ Arn: userArn, ServiceNamespaces: ['iam', 'ec2'] }));
    expect(answer.IsTruncated).toBe(false);
    expect(answer.PoliciesGrantingServiceAccess).toEqual([
      { ServiceNamespace: 'iam', Policies: [{ PolicyName: 'reader-policy', PolicyType: 'INLINE', EntityType: 'USER', EntityName: 'reader' }] },
      { ServiceNamespace: 'ec2', Policies: [] },
    ]);
    const managed = await t.iam.send(new ListPoliciesGrantingServiceAccessCommand({ Arn: `arn:aws:iam::${t.accountId}:user/admin`, ServiceNamespaces: ['iam'] }));
    expect(managed.PoliciesGrantingServiceAccess?.[0]?.Policies).toContainEqual({ PolicyName: 'AdministratorAccess', PolicyType: 'MANAGED', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
  });

  it('keeps a job to its account: another account gets NoSuchEntity', async () => {
    const { jobId } = await report(userArn);
    const other = await createSecondAccount(t);
    expect(await failure(other.iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: jobId })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    expect(await failure(other.iam.send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: jobId, ServiceNamespace: 'iam' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('refuses a bad Arn with InvalidInput and a missing entity with NoSuchEntity', async () => {
    expect(await failure(t.iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: 'arn:aws:s3:::some-bucket-name' })))).toMatchObject({ name: 'InvalidInput', status: 400 });
    expect(await failure(t.iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: `arn:aws:iam::${t.accountId}:user/ghost` })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    expect(await failure(t.iam.send(new ListPoliciesGrantingServiceAccessCommand({ Arn: 'arn:aws:iam::aws:policy/AdministratorAccess', ServiceNamespaces: ['iam'] })))).toMatchObject({ name: 'InvalidInput', status: 400 });
  });

  it('writes one entity and action at most once a minute, and only for users and role sessions', async () => {
    const recordClock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    const recorder = createAccessRecorder(t.server.store, recordClock);
    const rows = () => t.server.store.db.selectFrom('access_records').selectAll().where('entity_id', '=', 'AIDATESTTESTTESTTEST').execute();
    const caller: Caller = { type: 'user', accountId: t.accountId, arn: 'arn', userId: 'AIDATESTTESTTESTTEST', userName: 'x', entityId: 'AIDATESTTESTTESTTEST', accessKeyId: '', principalArn: 'arn' };
    await recorder.record(caller, 'iam:ListUsers', 'us-east-1');
    recordClock.advance(10_000);
    await recorder.record(caller, 'iam:ListUsers', 'eu-west-1');
    expect(await rows()).toMatchObject([{ service: 'iam', action: 'iam:ListUsers', last_at: '2026-03-01T12:00:00.000Z', region: 'us-east-1' }]);
    recordClock.advance(60_000);
    await recorder.record(caller, 'iam:ListUsers', 'eu-west-1');
    expect(await rows()).toMatchObject([{ last_at: '2026-03-01T12:01:10.000Z', region: 'eu-west-1' }]);
    await recorder.record({ ...caller, type: 'root', entityId: 'AIDAROOTROOTROOTROOT' }, 'iam:ListUsers', 'us-east-1');
    expect(await t.server.store.db.selectFrom('access_records').selectAll().where('entity_id', '=', 'AIDAROOTROOTROOTROOT').execute()).toEqual([]);
  });
});
