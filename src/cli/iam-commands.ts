/**
 * The `deployport iam …` families as tables: each row is one IAM operation with its arguments and
 * how its answer looks. The verbs users, groups and roles share (policies, tags, boundaries) are
 * generated once per kind of principal.
 */
import type { Family, OperationCommand, Param } from './operations.js';
import { callerAccount } from './runtime.js';

const arg = (name: string, member: string, description: string, more: Partial<Param> = {}): Param => ({ name, member, description, positional: true, ...more });
const opt = (name: string, member: string, description: string, more: Partial<Param> = {}): Param => ({ name, member, description, ...more });

const PATH = opt('path', 'Path', 'the path, e.g. /engineering/ (default /)');
const PATH_PREFIX = opt('path-prefix', 'PathPrefix', 'only those whose path starts with this');
const TAGS = opt('tag', 'Tags', 'a tag, as key=value', { kind: 'tags' });
const BOUNDARY = opt('permissions-boundary', 'PermissionsBoundary', 'the managed policy (ARN or name) that caps the permissions', { kind: 'policy-arn' });
const POLICY_ARN_OPTION = opt('policy-arn', 'PolicyArn', 'the managed policy: an ARN, or the name of one in your account', { kind: 'policy-arn', required: true });
const POLICY_ARN = arg('policy-arn', 'PolicyArn', 'the managed policy: an ARN, or the name of one in your account', { kind: 'policy-arn' });

/** The principals that share verbs, with their argument and an example name. */
const PRINCIPALS = {
  User: { noun: 'user', param: arg('user-name', 'UserName', 'the user name'), example: 'john-developer', family: 'users' },
  Group: { noun: 'group', param: arg('group-name', 'GroupName', 'the group name'), example: 'developers', family: 'groups' },
  Role: { noun: 'role', param: arg('role-name', 'RoleName', 'the role name'), example: 'developer-access', family: 'roles' },
} as const;
type PrincipalKind = keyof typeof PRINCIPALS;

/** attach, detach, list-attached and the inline policy verbs of one kind of principal. */
function policyVerbs<K extends PrincipalKind>(kind: K): OperationCommand[] {
  const { noun, param, example, family } = PRINCIPALS[kind];
  const cmd = `deployport iam ${family}`;
  const name = opt('policy-name', 'PolicyName', 'the inline policy name', { required: true });
  return [
    { name: 'attach', summary: `Attach a managed policy to a ${noun}.`, operation: `Attach${kind}Policy` as const, params: [param, POLICY_ARN_OPTION], example: `${cmd} attach ${example} --policy-arn arn:aws:iam::aws:policy/IAMReadOnlyAccess` },
    { name: 'detach', summary: `Detach a managed policy from a ${noun}.`, operation: `Detach${kind}Policy` as const, params: [param, POLICY_ARN_OPTION], example: `${cmd} detach ${example} --policy-arn arn:aws:iam::aws:policy/IAMReadOnlyAccess` },
    { name: 'list-attached', summary: `List the managed policies attached to a ${noun}.`, operation: `ListAttached${kind}Policies` as const, params: [param, PATH_PREFIX], pages: 'AttachedPolicies', view: { rows: 'AttachedPolicies' }, example: `${cmd} list-attached ${example}` },
    { name: 'put-policy', summary: `Create or replace an inline policy of a ${noun}.`, operation: `Put${kind}Policy` as const, params: [param, name, opt('document', 'PolicyDocument', 'the policy: a file, file://path or the JSON itself', { kind: 'document', required: true })], example: `${cmd} put-policy ${example} --policy-name read-only --document policy.json` },
    { name: 'get-policy', summary: `Show an inline policy of a ${noun}.`, operation: `Get${kind}Policy` as const, params: [param, name], example: `${cmd} get-policy ${example} --policy-name read-only` },
    { name: 'list-policies', summary: `List the inline policies of a ${noun}.`, operation: `List${kind}Policies` as const, params: [param], pages: 'PolicyNames', view: { rows: 'PolicyNames' }, example: `${cmd} list-policies ${example}` },
    { name: 'delete-policy', summary: `Delete an inline policy of a ${noun}.`, operation: `Delete${kind}Policy` as const, params: [param, name], example: `${cmd} delete-policy ${example} --policy-name read-only` },
  ];
}

/** Tags and the permissions boundary, which users and roles have and groups do not. */
function tagAndBoundaryVerbs<K extends 'User' | 'Role'>(kind: K): OperationCommand[] {
  const { noun, param, example, family } = PRINCIPALS[kind];
  const cmd = `deployport iam ${family}`;
  return [
    { name: 'tag', summary: `Add or replace tags of a ${noun}.`, operation: `Tag${kind}` as const, params: [param, { ...TAGS, required: true }], example: `${cmd} tag ${example} --tag team=platform` },
    { name: 'untag', summary: `Remove tags from a ${noun}.`, operation: `Untag${kind}` as const, params: [param, opt('tag-key', 'TagKeys', 'a tag key to remove', { kind: 'list', required: true })], example: `${cmd} untag ${example} --tag-key team` },
    { name: 'list-tags', summary: `List the tags of a ${noun}.`, operation: `List${kind}Tags` as const, params: [param], pages: 'Tags', view: { rows: 'Tags' }, example: `${cmd} list-tags ${example}` },
    { name: 'set-boundary', summary: `Set the permissions boundary of a ${noun}.`, operation: `Put${kind}PermissionsBoundary` as const, params: [param, { ...BOUNDARY, name: 'policy-arn', required: true }], example: `${cmd} set-boundary ${example} --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess` },
    { name: 'delete-boundary', summary: `Remove the permissions boundary of a ${noun}.`, operation: `Delete${kind}PermissionsBoundary` as const, params: [param], example: `${cmd} delete-boundary ${example}` },
  ];
}

const USER = PRINCIPALS.User.param;
const SERIAL = opt('serial-number', 'SerialNumber', 'the MFA device ARN', { required: true });

const users: Family = {
  name: 'users',
  summary: 'IAM users: people and programs with long-term credentials.',
  example: 'deployport iam users create john-developer',
  commands: [
    { name: 'create', summary: 'Create a user.', operation: 'CreateUser', params: [USER, PATH, BOUNDARY, TAGS], view: { rows: 'User' }, example: 'deployport iam users create john-developer --tag team=platform' },
    { name: 'get', summary: 'Show a user.', operation: 'GetUser', params: [USER], view: { rows: 'User' }, example: 'deployport iam users get john-developer' },
    { name: 'list', summary: 'List users.', operation: 'ListUsers', params: [PATH_PREFIX], pages: 'Users', view: { rows: 'Users', columns: ['UserName', 'UserId', 'Arn', 'CreateDate'] }, example: 'deployport iam users list --query "Users[].UserName"' },
    { name: 'update', summary: 'Rename a user or change its path.', operation: 'UpdateUser', params: [USER, opt('new-user-name', 'NewUserName', 'the new name'), opt('new-path', 'NewPath', 'the new path')], example: 'deployport iam users update john-developer --new-user-name john' },
    { name: 'delete', summary: 'Delete a user (its keys, policies and groups must be gone first).', operation: 'DeleteUser', params: [USER], example: 'deployport iam users delete john-developer' },
    { name: 'list-groups', summary: 'List the groups a user belongs to.', operation: 'ListGroupsForUser', params: [USER], pages: 'Groups', view: { rows: 'Groups', columns: ['GroupName', 'Arn'] }, example: 'deployport iam users list-groups john-developer' },
    ...policyVerbs('User'),
    ...tagAndBoundaryVerbs('User'),
    { name: 'create-login-profile', summary: 'Give a user a console password.', operation: 'CreateLoginProfile', params: [USER, opt('password', 'Password', 'the password', { required: true }), opt('password-reset-required', 'PasswordResetRequired', 'make the user choose a new password at first sign-in', { kind: 'bool' })], view: { rows: 'LoginProfile' }, example: "deployport iam users create-login-profile john-developer --password 'Correct-Horse-9' --password-reset-required" },
    { name: 'get-login-profile', summary: "Show whether a user has a password, and since when.", operation: 'GetLoginProfile', params: [USER], view: { rows: 'LoginProfile' }, example: 'deployport iam users get-login-profile john-developer' },
    { name: 'update-login-profile', summary: "Change a user's password or its reset flag.", operation: 'UpdateLoginProfile', params: [USER, opt('password', 'Password', 'the new password'), opt('password-reset-required', 'PasswordResetRequired', 'require a new password at next sign-in', { kind: 'bool' })], example: "deployport iam users update-login-profile john-developer --password 'Another-Horse-7'" },
    { name: 'delete-login-profile', summary: "Remove a user's password.", operation: 'DeleteLoginProfile', params: [USER], example: 'deployport iam users delete-login-profile john-developer' },
    { name: 'create-virtual-mfa', summary: 'Create a virtual MFA device (its seed is shown once).', operation: 'CreateVirtualMFADevice', params: [arg('device-name', 'VirtualMFADeviceName', 'the device name'), PATH], view: { rows: 'VirtualMFADevice' }, example: 'deployport iam users create-virtual-mfa john-phone --query VirtualMFADevice.Base32StringSeed --output text' },
    { name: 'enable-mfa', summary: 'Enable an MFA device for a user with two consecutive codes.', operation: 'EnableMFADevice', params: [USER, SERIAL, opt('code1', 'AuthenticationCode1', 'a code from the device', { required: true }), opt('code2', 'AuthenticationCode2', 'the next code', { required: true })], example: 'deployport iam users enable-mfa john-developer --serial-number arn:aws:iam::123456789012:mfa/john-phone --code1 123456 --code2 654321' },
    { name: 'list-mfa', summary: "List a user's MFA devices.", operation: 'ListMFADevices', params: [USER], pages: 'MFADevices', view: { rows: 'MFADevices' }, example: 'deployport iam users list-mfa john-developer' },
    { name: 'deactivate-mfa', summary: 'Deactivate an MFA device of a user.', operation: 'DeactivateMFADevice', params: [USER, SERIAL], example: 'deployport iam users deactivate-mfa john-developer --serial-number arn:aws:iam::123456789012:mfa/john-phone' },
    { name: 'list-virtual-mfa', summary: 'List the virtual MFA devices of the account.', operation: 'ListVirtualMFADevices', params: [opt('assignment-status', 'AssignmentStatus', 'which devices', { choices: ['Assigned', 'Unassigned', 'Any'] })], pages: 'VirtualMFADevices', view: { rows: 'VirtualMFADevices', columns: ['SerialNumber', 'User.UserName', 'EnableDate'] }, example: 'deployport iam users list-virtual-mfa --assignment-status Unassigned' },
    { name: 'delete-virtual-mfa', summary: 'Delete a virtual MFA device.', operation: 'DeleteVirtualMFADevice', params: [arg('serial-number', 'SerialNumber', 'the MFA device ARN')], example: 'deployport iam users delete-virtual-mfa arn:aws:iam::123456789012:mfa/john-phone' },
  ],
};

const GROUP = PRINCIPALS.Group.param;

const groups: Family = {
  name: 'groups',
  summary: 'IAM groups: users who share policies.',
  example: 'deployport iam groups add-user developers john-developer',
  commands: [
    { name: 'create', summary: 'Create a group.', operation: 'CreateGroup', params: [GROUP, PATH], view: { rows: 'Group' }, example: 'deployport iam groups create developers' },
    { name: 'get', summary: 'Show a group.', operation: 'GetGroup', params: [GROUP], view: { rows: 'Group' }, example: 'deployport iam groups get developers' },
    { name: 'list', summary: 'List groups.', operation: 'ListGroups', params: [PATH_PREFIX], pages: 'Groups', view: { rows: 'Groups', columns: ['GroupName', 'GroupId', 'Arn', 'CreateDate'] }, example: 'deployport iam groups list' },
    { name: 'list-users', summary: 'List the members of a group.', operation: 'GetGroup', params: [GROUP], pages: 'Users', view: { rows: 'Users', columns: ['UserName', 'Arn'] }, example: 'deployport iam groups list-users developers' },
    { name: 'update', summary: 'Rename a group or change its path.', operation: 'UpdateGroup', params: [GROUP, opt('new-group-name', 'NewGroupName', 'the new name'), opt('new-path', 'NewPath', 'the new path')], example: 'deployport iam groups update developers --new-group-name engineers' },
    { name: 'delete', summary: 'Delete a group (empty, without policies).', operation: 'DeleteGroup', params: [GROUP], example: 'deployport iam groups delete developers' },
    { name: 'add-user', summary: 'Add a user to a group.', operation: 'AddUserToGroup', params: [GROUP, USER], example: 'deployport iam groups add-user developers john-developer' },
    { name: 'remove-user', summary: 'Remove a user from a group.', operation: 'RemoveUserFromGroup', params: [GROUP, USER], example: 'deployport iam groups remove-user developers john-developer' },
    ...policyVerbs('Group'),
  ],
};

const ROLE = PRINCIPALS.Role.param;
const TRUST = opt('trust', 'AssumeRolePolicyDocument', 'the trust policy: a file, file://path or the JSON (default: your account)', { kind: 'document' });
const MAX_SESSION = opt('max-session-duration', 'MaxSessionDuration', 'the longest session, in seconds (3600-43200)', { kind: 'int' });

/** The trust policy a role gets when none is given: principals of the caller's own account. */
export function accountTrustPolicy(partition: string, account: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: 'sts:AssumeRole' } });
}

const roles: Family = {
  name: 'roles',
  summary: 'IAM roles: permissions anyone trusted can assume for a while.',
  example: 'deployport iam roles assume developer-access',
  commands: [
    {
      name: 'create',
      summary: 'Create a role; without --trust, any principal of your account that is allowed sts:AssumeRole may assume it.',
      operation: 'CreateRole',
      params: [ROLE, TRUST, MAX_SESSION, opt('description', 'Description', 'what the role is for'), PATH, BOUNDARY, TAGS],
      view: { rows: 'Role' },
      example: 'deployport iam roles create developer-access --max-session-duration 7200',
      async prepare(input, runtime) {
        if (input['AssumeRolePolicyDocument'] !== undefined) return;
        const { partition, account } = await callerAccount(runtime);
        input['AssumeRolePolicyDocument'] = accountTrustPolicy(partition, account);
      },
    },
    { name: 'get', summary: 'Show a role with its trust policy.', operation: 'GetRole', params: [ROLE], view: { rows: 'Role' }, example: 'deployport iam roles get developer-access' },
    { name: 'list', summary: 'List roles.', operation: 'ListRoles', params: [PATH_PREFIX], pages: 'Roles', view: { rows: 'Roles', columns: ['RoleName', 'RoleId', 'Arn', 'MaxSessionDuration', 'CreateDate'] }, example: 'deployport iam roles list' },
    { name: 'update', summary: "Change a role's description or maximum session duration.", operation: 'UpdateRole', params: [ROLE, opt('description', 'Description', 'what the role is for'), MAX_SESSION], example: 'deployport iam roles update developer-access --max-session-duration 43200' },
    { name: 'update-trust', summary: "Replace a role's trust policy.", operation: 'UpdateAssumeRolePolicy', params: [ROLE, { ...TRUST, member: 'PolicyDocument', required: true }], example: 'deployport iam roles update-trust developer-access --trust trust.json' },
    { name: 'delete', summary: 'Delete a role (its policies must be gone first).', operation: 'DeleteRole', params: [ROLE], example: 'deployport iam roles delete developer-access' },
    ...policyVerbs('Role'),
    ...tagAndBoundaryVerbs('Role'),
  ],
};

const DOCUMENT = opt('document', 'PolicyDocument', 'the policy: a file, file://path or the JSON itself', { kind: 'document', required: true });
const VERSION = arg('version-id', 'VersionId', 'the version, e.g. v2');

const policies: Family = {
  name: 'policies',
  summary: 'Managed policies: JSON permissions to attach to users, groups and roles.',
  example: 'deployport iam policies create read-users --document policy.json',
  commands: [
    { name: 'create', summary: 'Create a managed policy.', operation: 'CreatePolicy', params: [arg('policy-name', 'PolicyName', 'the policy name'), DOCUMENT, opt('description', 'Description', 'what it allows'), PATH, TAGS], view: { rows: 'Policy' }, example: 'deployport iam policies create read-users --document file://policy.json' },
    { name: 'get', summary: 'Show a managed policy.', operation: 'GetPolicy', params: [POLICY_ARN], view: { rows: 'Policy' }, example: 'deployport iam policies get arn:aws:iam::aws:policy/ReadOnlyAccess' },
    { name: 'list', summary: 'List managed policies.', operation: 'ListPolicies', params: [opt('scope', 'Scope', 'whose policies', { choices: ['All', 'AWS', 'Local'] }), opt('only-attached', 'OnlyAttached', 'only those attached to something', { kind: 'bool' }), PATH_PREFIX], pages: 'Policies', view: { rows: 'Policies', columns: ['PolicyName', 'Arn', 'DefaultVersionId', 'AttachmentCount'] }, example: 'deployport iam policies list --scope Local' },
    { name: 'delete', summary: 'Delete a managed policy (detached, with only its default version).', operation: 'DeletePolicy', params: [POLICY_ARN], example: 'deployport iam policies delete read-users' },
    { name: 'list-entities', summary: 'List the users, groups and roles a policy is attached to.', operation: 'ListEntitiesForPolicy', params: [POLICY_ARN], example: 'deployport iam policies list-entities arn:aws:iam::aws:policy/ReadOnlyAccess' },
    { name: 'create-version', summary: 'Add a version to a managed policy (at most five).', operation: 'CreatePolicyVersion', params: [POLICY_ARN, DOCUMENT, opt('set-as-default', 'SetAsDefault', 'make it the version in force', { kind: 'bool' })], view: { rows: 'PolicyVersion' }, example: 'deployport iam policies create-version read-users --document policy-v2.json --set-as-default' },
    { name: 'get-version', summary: 'Show one version of a managed policy with its document.', operation: 'GetPolicyVersion', params: [POLICY_ARN, VERSION], view: { rows: 'PolicyVersion' }, example: 'deployport iam policies get-version arn:aws:iam::aws:policy/ReadOnlyAccess v1' },
    { name: 'list-versions', summary: 'List the versions of a managed policy.', operation: 'ListPolicyVersions', params: [POLICY_ARN], pages: 'Versions', view: { rows: 'Versions', columns: ['VersionId', 'IsDefaultVersion', 'CreateDate'] }, example: 'deployport iam policies list-versions read-users' },
    { name: 'set-default-version', summary: 'Choose the version in force.', operation: 'SetDefaultPolicyVersion', params: [POLICY_ARN, VERSION], example: 'deployport iam policies set-default-version read-users v1' },
    { name: 'delete-version', summary: 'Delete a version that is not the default.', operation: 'DeletePolicyVersion', params: [POLICY_ARN, VERSION], example: 'deployport iam policies delete-version read-users v2' },
    { name: 'tag', summary: 'Add or replace tags of a managed policy.', operation: 'TagPolicy', params: [POLICY_ARN, { ...TAGS, required: true }], example: 'deployport iam policies tag read-users --tag team=platform' },
    { name: 'untag', summary: 'Remove tags from a managed policy.', operation: 'UntagPolicy', params: [POLICY_ARN, opt('tag-key', 'TagKeys', 'a tag key to remove', { kind: 'list', required: true })], example: 'deployport iam policies untag read-users --tag-key team' },
    { name: 'list-tags', summary: 'List the tags of a managed policy.', operation: 'ListPolicyTags', params: [POLICY_ARN], pages: 'Tags', view: { rows: 'Tags' }, example: 'deployport iam policies list-tags read-users' },
  ],
};

const KEY_USER = opt('user-name', 'UserName', 'the user (default: yourself)');
const KEY_ID = arg('access-key-id', 'AccessKeyId', 'the access key id');

const accessKeys: Family = {
  name: 'access-keys',
  summary: "Access keys: a user's long-term credentials (two at most).",
  example: 'deployport iam access-keys create --user-name john-developer',
  commands: [
    { name: 'create', summary: 'Create an access key (the secret is shown once).', operation: 'CreateAccessKey', params: [KEY_USER], view: { rows: 'AccessKey' }, example: 'deployport iam access-keys create --user-name john-developer' },
    { name: 'get', summary: 'Show when and where an access key was last used.', operation: 'GetAccessKeyLastUsed', params: [KEY_ID], example: 'deployport iam access-keys get AKIAIOSFODNN7EXAMPLE' },
    { name: 'list', summary: "List a user's access keys.", operation: 'ListAccessKeys', params: [KEY_USER], pages: 'AccessKeyMetadata', view: { rows: 'AccessKeyMetadata', columns: ['AccessKeyId', 'Status', 'UserName', 'CreateDate'] }, example: 'deployport iam access-keys list --user-name john-developer' },
    { name: 'update', summary: 'Activate or deactivate an access key.', operation: 'UpdateAccessKey', params: [KEY_ID, opt('status', 'Status', 'the new status', { required: true, choices: ['Active', 'Inactive'] }), KEY_USER], example: 'deployport iam access-keys update AKIAIOSFODNN7EXAMPLE --status Inactive --user-name john-developer' },
    { name: 'delete', summary: 'Delete an access key.', operation: 'DeleteAccessKey', params: [KEY_ID, KEY_USER], example: 'deployport iam access-keys delete AKIAIOSFODNN7EXAMPLE --user-name john-developer' },
  ],
};

/** Every `deployport iam` family, in the order `--help` lists them. */
export const IAM_FAMILIES: readonly Family[] = [users, groups, roles, policies, accessKeys];

/** `deployport sts …` commands that are one call. */
export const STS_COMMANDS: readonly OperationCommand[] = [
  { name: 'whoami', summary: 'Show who the active profile is (GetCallerIdentity).', service: 'sts', operation: 'GetCallerIdentity', example: 'deployport sts whoami --query Arn --output text' },
  {
    name: 'get-session-token',
    summary: "Get temporary credentials for yourself, with MFA if you give a code.",
    service: 'sts',
    operation: 'GetSessionToken',
    params: [opt('duration', 'DurationSeconds', 'how long they last, in seconds', { kind: 'int' }), opt('serial-number', 'SerialNumber', 'your MFA device ARN'), opt('token-code', 'TokenCode', 'a code from the device')],
    view: { rows: 'Credentials' },
    example: 'deployport sts get-session-token --duration 3600',
  },
  { name: 'decode-message', summary: 'Decode the explanation an AccessDenied carries (run with --debug to see it).', service: 'sts', operation: 'DecodeAuthorizationMessage', params: [arg('encoded-message', 'EncodedMessage', 'the encoded authorization failure message')], view: { rows: 'DecodedMessage' }, example: 'deployport sts decode-message v1.abc… --query DecodedMessage --output text' },
];
