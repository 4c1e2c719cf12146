/**
 * AWS-managed-style policies present in every account, with ARNs `arn:PARTITION:iam::aws:policy/NAME`.
 * Their documents follow the spirit of AWS's (AdministratorAccess is exactly AWS's); the read-only
 * ones name the services this server has.
 */

/** An AWS-managed policy: its name, description and document. */
export interface AwsManagedPolicy {
  readonly name: string;
  readonly description: string;
  readonly document: object;
}

const allow = (Action: string | string[], extra: object = {}) => ({ Effect: 'Allow', Action, Resource: '*', ...extra });

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
];

/** The account segment of AWS-managed policies' ARNs, and their owner in the store. */
export const AWS_ACCOUNT = 'aws';
