/**
 * The AWS Organizations side of IAM: centralized root access (root credentials management and
 * root sessions), the organization's features and organizations access reports (IAM API Reference,
 * "EnableOrganizationsRootCredentialsManagement", "ListOrganizationsFeatures",
 * "GenerateOrganizationsAccessReport"). This server has no organizations: every account is
 * standalone, so these answer as AWS answers an account outside an organization.
 */
import { randomUUID } from 'node:crypto';
import type {
  DisableOrganizationsRootCredentialsManagementRequest,
  DisableOrganizationsRootCredentialsManagementResponse,
  DisableOrganizationsRootSessionsRequest,
  DisableOrganizationsRootSessionsResponse,
  EnableOrganizationsRootCredentialsManagementRequest,
  EnableOrganizationsRootCredentialsManagementResponse,
  EnableOrganizationsRootSessionsRequest,
  EnableOrganizationsRootSessionsResponse,
  GenerateOrganizationsAccessReportRequest,
  GenerateOrganizationsAccessReportResponse,
  GetOrganizationsAccessReportRequest,
  GetOrganizationsAccessReportResponse,
  ListOrganizationsFeaturesRequest,
  ListOrganizationsFeaturesResponse,
} from '@aws-sdk/client-iam';
import type { Handler, Input, OperationContext } from './context.js';
import { NoSuchEntity, OrganizationNotFound } from './errors.js';

/** What AWS says to an account that belongs to no organization. */
export const NOT_IN_ORGANIZATION = 'The request failed because your account is not a member of an organization in AWS Organizations.';

function notInOrganization(): never {
  throw new OrganizationNotFound(NOT_IN_ORGANIZATION);
}

// Each of these needs an organization (in all-features mode, with IAM's trusted access): without
// one, OrganizationNotFoundException, one of the errors the model lists for each.
export const EnableOrganizationsRootCredentialsManagement: Handler<Input<EnableOrganizationsRootCredentialsManagementRequest>, EnableOrganizationsRootCredentialsManagementResponse> = async () =>
  notInOrganization();
export const DisableOrganizationsRootCredentialsManagement: Handler<Input<DisableOrganizationsRootCredentialsManagementRequest>, DisableOrganizationsRootCredentialsManagementResponse> = async () =>
  notInOrganization();
export const EnableOrganizationsRootSessions: Handler<Input<EnableOrganizationsRootSessionsRequest>, EnableOrganizationsRootSessionsResponse> = async () => notInOrganization();
export const DisableOrganizationsRootSessions: Handler<Input<DisableOrganizationsRootSessionsRequest>, DisableOrganizationsRootSessionsResponse> = async () => notInOrganization();
export const ListOrganizationsFeatures: Handler<Input<ListOrganizationsFeaturesRequest>, ListOrganizationsFeaturesResponse> = async () => notInOrganization();

// Organizations access reports are jobs: GenerateOrganizationsAccessReport may only fail with
// ReportGenerationLimitExceeded, and a job that cannot run reports FAILED with ErrorDetails
// through GetOrganizationsAccessReport (IAM API, "GetOrganizationsAccessReport"). A job is a row of
// the settings table, so that an unknown JobId is NoSuchEntity.
const JOB_KEY = 'organizations_access_report:';

const jobKey = (context: OperationContext, jobId: string) => `${JOB_KEY}${context.caller.accountId}:${jobId}`;

export const GenerateOrganizationsAccessReport: Handler<Input<GenerateOrganizationsAccessReportRequest>, GenerateOrganizationsAccessReportResponse> = async (_input, context) => {
  const JobId = randomUUID();
  await context.store.db.insertInto('settings').values({ key: jobKey(context, JobId), value: new Date(context.clock.now()).toISOString() }).execute();
  return { JobId };
};

export const GetOrganizationsAccessReport: Handler<Input<GetOrganizationsAccessReportRequest>, GetOrganizationsAccessReportResponse> = async (input, context) => {
  const job = await context.store.db.selectFrom('settings').select('value').where('key', '=', jobKey(context, input.JobId)).executeTakeFirst();
  if (!job) throw new NoSuchEntity(`Report with JobId ${input.JobId} cannot be found.`);
  const created = new Date(job.value);
  return {
    JobStatus: 'FAILED',
    JobCreationDate: created,
    JobCompletionDate: created,
    ErrorDetails: { Code: OrganizationNotFound.code, Message: NOT_IN_ORGANIZATION },
  };
};
