/** Service-linked roles through the real SDK, on SQLite and PostgreSQL. */
import {
  AttachRolePolicyCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  CreateServiceLinkedRoleCommand,
  DeleteRoleCommand,
  DeleteServiceLinkedRoleCommand,
  GetRoleCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  ListRolesCommand,
  UpdateAssumeRolePolicyCommand,
  CreateRoleCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

const TASK = /^task\/aws-service-role\/([^/]+)\/([^/]+)\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.each(BACKENDS)('service-linked roles on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("creates the service's role under /aws-service-role/, trusted by the service alone", async () => {
    const created = await t.iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticbeanstalk.amazonaws.com', Description: 'Beanstalk manages environments' }));
    expect(created.Role).toMatchObject({
      RoleName: 'AWSServiceRoleForElasticBeanstalk',
      Path: '/aws-service-role/elasticbeanstalk.amazonaws.com/',
      Arn: `arn:aws:iam::${t.accountId}:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk`,
      Description: 'Beanstalk manages environments',
    });
    expect(created.Role?.RoleId).toMatch(/^AROA/);
    const got = await t.iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForElasticBeanstalk' }));
    const trust = JSON.parse(decodeURIComponent(got.Role?.AssumeRolePolicyDocument ?? '')) as { Statement: unknown[] };
    expect(trust.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'elasticbeanstalk.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    const listed = await t.iam.send(new ListRolesCommand({ PathPrefix: '/aws-service-role/' }));
    expect(listed.Roles?.map((r) => r.RoleName)).toEqual(['AWSServiceRoleForElasticBeanstalk']);
  });

  it('adds a custom suffix, and refuses a name already taken with InvalidInput', async () => {
    const suffixed = await t.iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'fleet' }));
    expect(suffixed.Role?.RoleName).toBe('AWSServiceRoleForAutoScaling_fleet');
    expect(suffixed.Role?.Path).toBe('/aws-service-role/autoscaling.amazonaws.com/');
    const taken = await failure(t.iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'fleet' })));
    expect(taken).toMatchObject({ name: 'InvalidInput', status: 400, message: 'Service role name AWSServiceRoleForAutoScaling_fleet has been taken in this account, please try a different suffix.' });
  });

  it('refuses a suffix for a service that takes none, and a service name that is no service', async () => {
    const noSuffix = await failure(t.iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'ecs.amazonaws.com', CustomSuffix: 'x' })));
    expect(noSuffix).toMatchObject({ name: 'InvalidInput', status: 400, message: 'Custom suffix is not allowed for ecs.amazonaws.com' });
    const notAService = await failure(t.iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'example.com' })));
    expect(notAService).toMatchObject({ name: 'InvalidInput', status: 400 });
    const missing = await failure(t.iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForECS_x' })));
    expect(missing.name).toBe('NoSuchEntity');
  });

  it('refuses changes through the ordinary role operations with UnmodifiableEntity', async () => {
    const name = 'AWSServiceRoleForElasticBeanstalk';
    const message = `Cannot perform the operation on the protected role '${name}' - this role is only modifiable by AWS`;
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: t.accountId }, Action: 'sts:AssumeRole' }] });
    expect(await failure(t.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: trust })))).toMatchObject({ name: 'UnmodifiableEntity', status: 400, message });
    expect(await failure(t.iam.send(new DeleteRoleCommand({ RoleName: name })))).toMatchObject({ name: 'UnmodifiableEntity', status: 400, message });
    const allow = JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } });
    const readOnly = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    // One at a time: a call made before its rejection is awaited would count as unhandled.
    for (const change of [
      () => t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'more', PolicyDocument: allow })),
      () => t.iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: readOnly })),
      () => t.iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: name, PermissionsBoundary: readOnly })),
    ]) {
      expect(await failure(change())).toMatchObject({ name: 'UnmodifiableEntity', status: 400, message });
    }
    expect((await t.iam.send(new GetRoleCommand({ RoleName: name }))).Role?.RoleName).toBe(name);
  });

  it('deletes the role with a deletion task that reports SUCCEEDED', async () => {
    const { DeletionTaskId } = await t.iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling_fleet' }));
    const match = TASK.exec(DeletionTaskId ?? '');
    expect(match?.[1]).toBe('autoscaling.amazonaws.com');
    expect(match?.[2]).toBe('AWSServiceRoleForAutoScaling_fleet');
    const status = await t.iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId }));
    expect(status.Status).toBe('SUCCEEDED');
    expect((await failure(t.iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling_fleet' })))).name).toBe('NoSuchEntity');
    // The name is free again.
    const again = await t.iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'fleet' }));
    expect(again.Role?.RoleName).toBe('AWSServiceRoleForAutoScaling_fleet');
  });

  it('answers NoSuchEntity for an unknown role, an ordinary role, and an unknown deletion task', async () => {
    expect(await failure(t.iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForNothing' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    await t.iam.send(new CreateRoleCommand({ RoleName: 'ordinary', AssumeRolePolicyDocument: trust }));
    expect(await failure(t.iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'ordinary' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    expect((await t.iam.send(new GetRoleCommand({ RoleName: 'ordinary' }))).Role?.RoleName).toBe('ordinary');
    const unknown = 'task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling/00000000-0000-4000-8000-000000000000';
    expect(await failure(t.iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: unknown })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    expect(await failure(t.iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: 'not-a-task' })))).toMatchObject({ name: 'InvalidInput', status: 400 });
  });
});
