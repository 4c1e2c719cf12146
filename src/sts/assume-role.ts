/**
 * AssumeRole (STS API, "AssumeRole"; IAM UG, "Methods to assume a role"). The role's trust policy
 * must allow the caller, and the caller's own policies must allow sts:AssumeRole on the role —
 * except within one account, where a trust policy naming the caller's own ARN is enough. A session
 * gets at most the role's MaxSessionDuration, an hour when chained from another role session,
 * and session policies and tags that narrow and label it.
 */
import type { AssumeRoleRequest, AssumeRoleResponse } from '@aws-sdk/client-sts';
import { AccessDenied } from '../authz/errors.js';
import type { AuthorizationRequest } from '../authz/authorizer.js';
import type { ContextValue, Decision } from '../policy/index.js';
import { iamArn } from '../shared/arn.js';
import type { Caller, Handler, Input, OperationContext } from '../iam/context.js';
import { InvalidInput, ValidationError } from '../iam/errors.js';
import type { Db } from '../store/store.js';
import { startRoleSession } from './sessions.js';

const ROLE_ARN = /^arn:([^:]+):iam::(\d{12}):role(\/(?:[\u0021-\u007E]*\/)?)?([\w+=,.@-]+)$/;
/** A chained session lasts an hour at most (IAM UG, "Role chaining"). */
const CHAINED_MAX_SECONDS = 3600;

/** A role found from its ARN, as the caller named it. */
interface TargetRole {
  readonly arn: string;
  readonly id: string;
  readonly name: string;
  readonly accountId: string;
  readonly trustPolicy: string;
  readonly maxSessionDuration: number;
}

/** The role an ARN names, or AccessDenied as AWS answers for a role that does not exist. */
export async function findRole(db: Db, partition: string, roleArn: string, deny: () => Error): Promise<TargetRole> {
  const m = ROLE_ARN.exec(roleArn);
  if (!m || m[1] !== partition) throw deny();
  const [, , accountId, path = '/', name] = m as unknown as [string, string, string, string | undefined, string];
  const row = await db.selectFrom('roles').selectAll().where('account_id', '=', accountId).where('name_lower', '=', name.toLowerCase()).executeTakeFirst();
  if (!row || row.path !== (path || '/')) throw deny();
  return { arn: iamArn(partition, accountId, 'role', row.path, row.name), id: row.id, name: row.name, accountId, trustPolicy: row.trust_policy, maxSessionDuration: row.max_session_duration };
}

/** Whether the decision counted an Allow from the trust policy: a role must be let in by its trust. */
function trustAllows(decision: Decision): boolean {
  return decision.matched.some((ref) => ref.policyType === 'resource' && ref.effect === 'Allow');
}

/**
 * Authorizes one STS action on the role: the caller's policies and the trust policy together, as
 * the evaluation logic has it, and the trust policy must allow in any case (IAM UG, "Policy
 * evaluation logic": role trust policies must explicitly allow their principals).
 */
export async function authorizeOnRole(context: OperationContext, role: TargetRole, action: string, extra: Record<string, ContextValue>): Promise<void> {
  const request: AuthorizationRequest = {
    caller: context.caller,
    action,
    resource: role.arn,
    context: { ...context.requestContext, ...extra },
    resourcePolicy: { name: `${role.arn}#trust`, document: role.trustPolicy, kind: 'trust' },
  };
  const decision = await context.authorizer.decide(request);
  if (decision.decision === 'Allow' && trustAllows(decision)) return;
  const reason: Decision = decision.decision === 'Allow' ? { decision: 'ImplicitDeny', matched: decision.matched, missing: ['resource'] } : decision;
  throw context.authorizer.denial(request, reason);
}

/** Session tags as the request passes them, joined with the transitive tags of a calling session. */
function sessionTags(caller: Caller, input: Input<AssumeRoleRequest>): { tags: Record<string, string>; transitive: string[] } {
  const inherited = caller.session?.transitiveTagKeys ?? [];
  const tags: Record<string, string> = {};
  for (const key of inherited) {
    const value = caller.session?.tags[key];
    if (value !== undefined) tags[key] = value;
  }
  const inheritedLower = new Set(inherited.map((k) => k.toLowerCase()));
  const given = new Set<string>();
  for (const tag of input.Tags ?? []) {
    const lower = tag.Key.toLowerCase();
    if (given.has(lower)) throw new InvalidInput('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    if (inheritedLower.has(lower)) throw new InvalidInput(`Tag key ${tag.Key} is a transitive tag of the calling session and cannot be overridden.`);
    given.add(lower);
    tags[tag.Key] = tag.Value;
  }
  for (const key of input.TransitiveTagKeys ?? []) {
    if (!given.has(key.toLowerCase())) throw new InvalidInput(`The transitive tag key ${key} is not among the session tags.`);
  }
  return { tags, transitive: [...inherited, ...(input.TransitiveTagKeys ?? [])] };
}

export const AssumeRole: Handler<Input<AssumeRoleRequest>, AssumeRoleResponse> = async (input, context) => {
  const { caller, config, store } = context;
  const deny = () => new AccessDenied(`User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`);
  // AWS refuses the account root (STS API, "AssumeRole"): use an IAM user or role.
  if (caller.type === 'root') throw new AccessDenied('Roles may not be assumed by root accounts.');
  const role = await findRole(store.db, config.partition, input.RoleArn, deny);

  const chained = caller.type === 'assumed-role';
  const duration = input.DurationSeconds ?? 3600;
  if (chained && duration > CHAINED_MAX_SECONDS) throw new ValidationError('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  if (duration > role.maxSessionDuration) throw new ValidationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');

  const { tags, transitive } = sessionTags(caller, input);
  // A source identity, once set, follows the session through every chained role (IAM UG, "Monitor and control actions taken with assumed roles").
  const inheritedSource = caller.session?.sourceIdentity;
  if (inheritedSource !== undefined && input.SourceIdentity !== undefined && input.SourceIdentity !== inheritedSource) {
    throw new AccessDenied('The source identity of a session cannot be changed: SourceIdentity must match the calling session\'s.');
  }
  const sourceIdentity = inheritedSource ?? input.SourceIdentity;

  const tagKeys = Object.keys(tags);
  const requestKeys: Record<string, ContextValue> = {
    'sts:RoleSessionName': input.RoleSessionName,
    ...(input.ExternalId !== undefined && { 'sts:ExternalId': input.ExternalId }),
    ...(sourceIdentity !== undefined && { 'sts:SourceIdentity': sourceIdentity }),
    ...(tagKeys.length > 0 && { 'aws:TagKeys': tagKeys, 'sts:TransitiveTagKeys': transitive }),
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
  };
  await authorizeOnRole(context, role, 'sts:AssumeRole', requestKeys);
  // Passing tags and setting a source identity are permissions of their own (IAM UG, "Passing session tags in AWS STS").
  if (input.Tags?.length || input.TransitiveTagKeys?.length) await authorizeOnRole(context, role, 'sts:TagSession', requestKeys);
  if (input.SourceIdentity !== undefined && inheritedSource === undefined) await authorizeOnRole(context, role, 'sts:SetSourceIdentity', requestKeys);

  const session = await startRoleSession(context, role, {
    name: input.RoleSessionName,
    durationSeconds: duration,
    policy: input.Policy,
    policyArns: input.PolicyArns,
    tags,
    transitiveTagKeys: transitive,
    sourceIdentity,
    chained,
    mfa: caller.session?.mfa ?? false,
  });
  return { ...session, ...(sourceIdentity !== undefined && { SourceIdentity: sourceIdentity }) };
};
