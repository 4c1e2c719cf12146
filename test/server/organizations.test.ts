/**
 * The Organizations-related operations: this server has no organizations, so they answer as AWS
 * answers an account outside one (AssumeRoot, which the management account's principals may use,
 * is tested in assume-root.test.ts). Through the real SDK on SQLite and PostgreSQL.
 */
import {
  DisableOrganizationsRootCredentialsManagementCommand,
  DisableOrganizationsRootSessionsCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
  EnableOrganizationsRootSessionsCommand,
  GenerateOrganizationsAccessReportCommand,
  GetOrganizationsAccessReportCommand,
  ListOrganizationsFeaturesCommand,
  OrganizationNotFoundException,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createSecondAccount, failure, startTestServer, type TestServer } from '../helpers/server.js';

describe.each(BACKENDS)('organizations on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  const organizationOnly = [
    ['EnableOrganizationsRootCredentialsManagement', () => new EnableOrganizationsRootCredentialsManagementCommand({})],
    ['DisableOrganizationsRootCredentialsManagement', () => new DisableOrganizationsRootCredentialsManagementCommand({})],
    ['EnableOrganizationsRootSessions', () => new EnableOrganizationsRootSessionsCommand({})],
    ['DisableOrganizationsRootSessions', () => new DisableOrganizationsRootSessionsCommand({})],
    ['ListOrganizationsFeatures', () => new ListOrganizationsFeaturesCommand({})],
  ] as const;

  it.each(organizationOnly)('%s answers OrganizationNotFoundException (400), the SDK modeled error', async (_name, command) => {
    const promise = t.iam.send(command());
    await expect(promise).rejects.toBeInstanceOf(OrganizationNotFoundException);
    expect(await failure(t.iam.send(command()))).toMatchObject({ name: 'OrganizationNotFoundException', status: 400 });
  });

  it('the root of the account is refused the same way', async () => {
    const root = t.iamAs(t.root);
    expect(await failure(root.send(new EnableOrganizationsRootCredentialsManagementCommand({})))).toMatchObject({ name: 'OrganizationNotFoundException', status: 400 });
    expect(await failure(root.send(new ListOrganizationsFeaturesCommand({})))).toMatchObject({ name: 'OrganizationNotFoundException', status: 400 });
  });

  it('an organizations access report job runs and fails with the reason, in the AWS shape', async () => {
    const { JobId } = await t.iam.send(new GenerateOrganizationsAccessReportCommand({ EntityPath: 'o-a1b2c3d4e5/r-f6g7h8i9j0example' }));
    expect(JobId).toMatch(/^[0-9a-f-]{36}$/);
    const report = await t.iam.send(new GetOrganizationsAccessReportCommand({ JobId }));
    expect(report).toMatchObject({ JobStatus: 'FAILED', ErrorDetails: { Code: 'OrganizationNotFoundException' } });
    expect(report.JobCreationDate).toBeInstanceOf(Date);
    expect(report.AccessDetails).toBeUndefined();
  });

  it('a report job is only visible to the account that started it', async () => {
    const { JobId } = await t.iam.send(new GenerateOrganizationsAccessReportCommand({ EntityPath: 'o-a1b2c3d4e5/r-f6g7h8i9j0example' }));
    const second = await createSecondAccount(t);
    expect(await failure(second.iam.send(new GetOrganizationsAccessReportCommand({ JobId })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('GetOrganizationsAccessReport answers NoSuchEntity for an unknown job', async () => {
    const error = await failure(t.iam.send(new GetOrganizationsAccessReportCommand({ JobId: '00000000-0000-0000-0000-000000000000' })));
    expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('GenerateOrganizationsAccessReport refuses an entity path outside the pattern with ValidationError', async () => {
    const error = await failure(t.iam.send(new GenerateOrganizationsAccessReportCommand({ EntityPath: 'not-an-organization-path' })));
    expect(error).toMatchObject({ name: 'ValidationError', status: 400 });
  });
});
