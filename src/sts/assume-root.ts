/**
 * AssumeRoot: privileged-task sessions on a member account's root (STS API, "AssumeRoot"; IAM UG,
 * "Centrally manage root access for member accounts", "Perform a privileged task on an AWS
 * Organizations member account"). On this server the management account's principals play the
 * organization's management account, and every other account is a member. The caller needs
 * sts:AssumeRoot on the target's root ARN (the action's resource type in AWS's catalogue is
 * `root-user`), with sts:TaskPolicyArn as a condition key; the member's side is the organization's
 * trust of the management account, a resource-based policy since the call crosses accounts. The
 * session is issued as the member's root, held to the task policy by the authorizer. The model
 * lists no error for a refused target or policy: a target that is not a member is AccessDenied, as
 * a denied call is; a task policy that is not a root-task policy is the common ValidationError.
 */
import type { AssumeRootRequest, AssumeRootResponse } from '@aws-sdk/client-sts';
import { AccessDenied } from '../authz/errors.js';
import { managementAccountId } from '../iam/accounts.js';
import { AWS_ACCOUNT, ROOT_TASK_PATH } from '../iam/aws-managed.js';
import type { Handler, Input } from '../iam/context.js';
import { ValidationError } from '../iam/errors.js';
import { iamArn } from '../shared/arn.js';
import { issueSession } from './sessions.js';

/** A root session lasts 15 minutes at most, and that by default (STS API, "AssumeRoot": DurationSeconds). */
const DEFAULT_SECONDS = 900;
const ROOT_ARN = /^arn:([^:]+):iam::(\d{12}):root$/;

/** The account a TargetPrincipal names, by its id or its root's ARN; undefined for anything else. */
function targetAccount(target: string, partition: string): string | undefined {
  if (/^\d{12}$/.test(target)) return target;
  const m = ROOT_ARN.exec(target);
  return m && m[1] === partition ? m[2] : undefined;
}

/** What centralized root access amounts to on the member's side: it trusts the management account. */
function organizationTrust(partition: string, management: string, rootArn: string): string {
  const statement = { Effect: 'Allow', Principal: { AWS: iamArn(partition, management, '', '', 'root') }, Action: 'sts:AssumeRoot', Resource: rootArn };
  return JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
}

export const AssumeRoot: Handler<Input<AssumeRootRequest>, AssumeRootResponse> = async (input, context) => {
  const { caller, config, store } = context;
  // AWS refuses root user credentials; a root session (itself a root) may not start another.
  if (caller.type === 'root') {
    throw new AccessDenied(caller.session ? 'AssumeRoot cannot be called with the credentials of a root session.' : 'AssumeRoot cannot be called with root user credentials: use an IAM user or role of the management account.');
  }
  const management = await managementAccountId(store.db);
  const accountId = targetAccount(input.TargetPrincipal, config.partition);
  const rootArn = accountId === undefined ? input.TargetPrincipal : iamArn(config.partition, accountId, '', '', 'root');
  const notMember = (why: string) => new AccessDenied(`User: ${caller.arn} is not authorized to perform: sts:AssumeRoot on resource: ${rootArn} because ${why}`);
  if (management === undefined || caller.accountId !== management) throw notMember('only principals of the management account may start root sessions');
  if (accountId === undefined) throw notMember('the target is not a member account');
  const taskArn = input.TaskPolicyArn.arn ?? '';
  await context.authorizer.authorize({
    caller,
    action: 'sts:AssumeRoot',
    resource: rootArn,
    context: { ...context.requestContext, 'sts:TaskPolicyArn': taskArn },
    resourcePolicy: { name: 'organization#centralized-root-access', document: organizationTrust(config.partition, management, rootArn) },
  });
  if (accountId === management) throw notMember('the target is not a member account');
  const account = await store.db.selectFrom('accounts').select('id').where('id', '=', accountId).executeTakeFirst();
  if (!account) throw notMember('the target is not a member account');

  const task = await store.db
    .selectFrom('policies')
    .innerJoin('policy_versions', (join) => join.onRef('policy_versions.policy_id', '=', 'policies.id').onRef('policy_versions.version_id', '=', 'policies.default_version_id'))
    .select('policy_versions.document')
    .where('policies.arn', '=', taskArn)
    .where('policies.account_id', '=', AWS_ACCOUNT)
    .where('policies.path', '=', ROOT_TASK_PATH)
    .executeTakeFirst();
  if (!task) throw new ValidationError(`TaskPolicyArn ${taskArn} is not a root-task policy: name one of the AWS-managed policies under ${iamArn(config.partition, AWS_ACCOUNT, 'policy', ROOT_TASK_PATH, '')}.`);

  // The source identity of the calling session, if any, passes on (STS API, "AssumeRoot": SourceIdentity).
  const sourceIdentity = caller.session?.sourceIdentity;
  const credentials = await store.transaction((tx) =>
    issueSession(tx, context, {
      kind: 'root',
      accountId,
      principalId: accountId,
      // The session's name records who started it.
      name: caller.arn,
      durationSeconds: input.DurationSeconds ?? DEFAULT_SECONDS,
      policies: [{ name: taskArn, document: task.document }],
      sourceIdentity,
      mfa: caller.session?.mfa ?? false,
    }),
  );
  return { Credentials: credentials, ...(sourceIdentity !== undefined && { SourceIdentity: sourceIdentity }) };
};
