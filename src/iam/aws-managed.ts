/**
 * AWS-managed-style policies present in every account, with ARNs `arn:PARTITION:iam::aws:policy/NAME`.
 * Their documents follow the spirit of AWS's (AdministratorAccess is exactly AWS's); the read-only
 * ones name the services this server has. The root-task policies, under the path `/root-task/`,
 * scope AssumeRoot sessions.
 */

/** An AWS-managed policy: its name, path (`/` unless given), description and document. */
export interface AwsManagedPolicy {
  readonly name: string;
  readonly path?: string;
  readonly description: string;
  readonly document: object;
}

const allow = (Action: string | string[], extra: object = {}) => ({ Effect: 'Allow', Action, Resource: '*', ...extra });

/** The path of the root-task policies, which AssumeRoot's TaskPolicyArn must name. */
export const ROOT_TASK_PATH = '/root-task/';

const task = (name: string, description: string, statements: object[]): AwsManagedPolicy => ({ name, path: ROOT_TASK_PATH, description, document: { Version: '2012-10-17', Statement: statements } });

const ROOT_TASK_POLICIES: readonly AwsManagedPolicy[] = [
  task('IAMAuditRootUserCredentials', "Audit the root user's credentials in a member account: its access keys, password, MFA devices and signing certificates.", [
    { Sid: 'AuditRootUserCredentials', ...allow(['iam:GetAccessKeyLastUsed', 'iam:GetLoginProfile', 'iam:GetUser', 'iam:ListAccessKeys', 'iam:ListMFADevices', 'iam:ListSigningCertificates']) },
  ]),
  task('IAMCreateRootUserPassword', 'Let the root user of a member account recover its password: create its login profile.', [
    { Sid: 'CreateRootUserPassword', ...allow(['iam:CreateLoginProfile', 'iam:GetLoginProfile']) },
  ]),
  task('IAMDeleteRootUserCredentials', "Delete the root user's credentials in a member account: its access keys, password, MFA devices and signing certificates.", [
    {
      Sid: 'DeleteRootUserCredentials',
      ...allow([
        'iam:DeactivateMFADevice',
        'iam:DeleteAccessKey',
        'iam:DeleteLoginProfile',
        'iam:DeleteSigningCertificate',
        'iam:DeleteVirtualMFADevice',
        'iam:GetAccessKeyLastUsed',
        'iam:GetLoginProfile',
        'iam:GetUser',
        'iam:ListAccessKeys',
        'iam:ListMFADevices',
        'iam:ListSigningCertificates',
      ]),
    },
  ]),
  task('S3UnlockBucketPolicy', 'Unlock an S3 bucket whose bucket policy denies every principal: read, replace or delete the policy.', [
    { Sid: 'UnlockBucketPolicy', ...allow(['s3:DeleteBucketPolicy', 's3:GetBucketPolicy', 's3:ListAllMyBuckets', 's3:PutBucketPolicy']) },
  ]),
  task('SQSUnlockQueuePolicy', 'Unlock an SQS queue whose queue policy denies every principal: read or replace its attributes.', [
    { Sid: 'UnlockQueuePolicy', ...allow(['sqs:GetQueueAttributes', 'sqs:SetQueueAttributes']) },
    { Sid: 'FindQueues', ...allow(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ListQueues']) },
  ]),
];

export const AWS_MANAGED_POLICIES: readonly AwsManagedPolicy[] = [
  {
    name: 'AdministratorAccess',
    description: 'Provides full access to AWS services and resources.',
    document: { Version: '2012-10-17', Statement: [allow('*')] },
  },
  {
    name: 'PowerUserAccess',
    description: 'Provides full access to AWS services and resources, but does not allow management of Users and groups.',
    document: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
        allow(['iam:CreateServiceLinkedRole', 'iam:DeleteServiceLinkedRole', 'iam:ListRoles', 'organizations:DescribeOrganization', 'account:ListRegions', 'account:GetAccountInformation']),
      ],
    },
  },
  {
    name: 'ReadOnlyAccess',
    description: 'Provides read-only access to AWS services and resources.',
    document: {
      Version: '2012-10-17',
      Statement: [allow(['iam:Get*', 'iam:List*', 'iam:Generate*', 'iam:Simulate*', 'sts:GetCallerIdentity', 'sts:GetAccessKeyInfo', 'sts:DecodeAuthorizationMessage'])],
    },
  },
  {
    name: 'IAMFullAccess',
    description: 'Provides full access to IAM via the AWS Management Console.',
    document: { Version: '2012-10-17', Statement: [allow(['iam:*', 'organizations:DescribeAccount', 'organizations:DescribeOrganization', 'organizations:DescribeOrganizationalUnit', 'organizations:DescribePolicy', 'organizations:ListChildren', 'organizations:ListParents', 'organizations:ListPoliciesForTarget', 'organizations:ListRoots', 'organizations:ListPolicies', 'organizations:ListTargetsForPolicy'])] },
  },
  {
    name: 'IAMReadOnlyAccess',
    description: 'Provides read only access to IAM via the AWS Management Console.',
    document: { Version: '2012-10-17', Statement: [allow(['iam:GenerateCredentialReport', 'iam:GenerateServiceLastAccessedDetails', 'iam:Get*', 'iam:List*', 'iam:SimulateCustomPolicy', 'iam:SimulatePrincipalPolicy'])] },
  },
  // The root-task policies: what an AssumeRoot session may do (IAM UG, "Perform a privileged task on
  // an AWS Organizations member account"), with the actions AWS's own versions allow.
  ...ROOT_TASK_POLICIES,
];

/** The account segment of AWS-managed policies' ARNs, and their owner in the store. */
export const AWS_ACCOUNT = 'aws';

