/**
 * Managed policies attached to users, groups and roles: attach, detach, list them per principal,
 * and list the principals of a policy (IAM API Reference, "AttachUserPolicy" and neighbours).
 */
import type {
  AttachedPolicy,
  AttachGroupPolicyRequest,
  AttachRolePolicyRequest,
  AttachUserPolicyRequest,
  DetachGroupPolicyRequest,
  DetachRolePolicyRequest,
  DetachUserPolicyRequest,
  ListAttachedGroupPoliciesRequest,
  ListAttachedGroupPoliciesResponse,
  ListAttachedRolePoliciesRequest,
  ListAttachedRolePoliciesResponse,
  ListAttachedUserPoliciesRequest,
  ListAttachedUserPoliciesResponse,
  ListEntitiesForPolicyRequest,
  ListEntitiesForPolicyResponse,
} from '@aws-sdk/client-iam';
import { sql } from 'kysely';
import { pageOf } from '../store/repos/named-entities.js';
import type { PrincipalKind } from '../store/schema.js';
import { isUniqueViolation, type Db } from '../store/store.js';
import type { Handler, Input, OperationContext } from './context.js';
import { LimitExceeded, NoSuchEntity } from './errors.js';
import { requirePolicy } from './managed-policies.js';
import { NAMED_ENTITIES, requireEntity } from './named-entities.js';
import { assertModifiableRole } from './service-linked-roles.js';
import { byKey, pageRequest, pageResponse, pageSorted } from './paging.js';

/** Managed policies per principal (IAM UG, "IAM and AWS STS quotas": 10 by default for users and roles, 10 fixed for groups). */
export const ATTACHED_POLICIES_QUOTA: Readonly<Record<PrincipalKind, number>> = { user: 10, group: 10, role: 10 };

const QUOTA_NAMES = { user: 'PoliciesPerUser', group: 'PoliciesPerGroup', role: 'PoliciesPerRole' } as const;

/** The names and ARNs of the managed policies attached to a principal, as a query to narrow and order. */
function attachedTo(db: Db, kind: PrincipalKind, principalId: string) {
  return db
    .selectFrom('attachments')
    .innerJoin('policies', 'policies.id', 'attachments.policy_id')
    .select(['policies.name', 'policies.arn'])
    .where('attachments.principal_type', '=', kind)
    .where('attachments.principal_id', '=', principalId);
}

/** The managed policies attached to a principal, as AttachedPolicy entries in name order. */
export async function attachedPolicies(db: Db, kind: PrincipalKind, principalId: string): Promise<AttachedPolicy[]> {
  const rows = await attachedTo(db, kind, principalId).orderBy('policies.name_lower').orderBy('policies.arn').execute();
  return rows.map((row) => ({ PolicyName: row.name, PolicyArn: row.arn }));
}

async function attach(context: OperationContext, kind: PrincipalKind, name: string, policyArn: string): Promise<void> {
  await context.store
    .transaction(async (tx) => {
      const principal = await requireEntity(tx, context, kind, name);
      if (kind === 'role') assertModifiableRole(principal);
      const policy = await requirePolicy(tx, context, policyArn);
      const current = await tx.selectFrom('attachments').select('policy_id').where('principal_type', '=', kind).where('principal_id', '=', principal.id).execute();
      // Attaching twice changes nothing, as in AWS; the quota is counted in the same transaction.
      if (current.some((row) => row.policy_id === policy.id)) return;
      const quota = ATTACHED_POLICIES_QUOTA[kind];
      if (current.length >= quota) throw new LimitExceeded(`Cannot exceed quota for ${QUOTA_NAMES[kind]}: ${quota}`);
      await tx.insertInto('attachments').values({ principal_type: kind, principal_id: principal.id, policy_id: policy.id }).execute();
    })
    .catch((error: unknown) => {
      // A concurrent attach of the same pair won the insert: the outcome is the one asked for.
      if (!isUniqueViolation(error)) throw error;
    });
}

async function detach(context: OperationContext, kind: PrincipalKind, name: string, policyArn: string): Promise<void> {
  await context.store.transaction(async (tx) => {
    const principal = await requireEntity(tx, context, kind, name);
    if (kind === 'role') assertModifiableRole(principal);
    const policy = await requirePolicy(tx, context, policyArn);
    const result = await tx
      .deleteFrom('attachments')
      .where('principal_type', '=', kind)
      .where('principal_id', '=', principal.id)
      .where('policy_id', '=', policy.id)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw new NoSuchEntity(`Policy ${policyArn} was not found.`);
  });
}

async function listAttached(
  context: OperationContext,
  kind: PrincipalKind,
  name: string,
  input: { PathPrefix?: string; Marker?: string; MaxItems?: number },
): Promise<{ AttachedPolicies: AttachedPolicy[]; IsTruncated: boolean; Marker?: string }> {
  const db = context.store.db;
  const principal = await requireEntity(db, context, kind, name);
  const { limit, after } = pageRequest(input);
  let query = attachedTo(db, kind, principal.id);
  const prefix = input.PathPrefix;
  if (prefix && prefix !== '/') query = query.where(sql<boolean>`substr(policies.path, 1, ${prefix.length}) = ${prefix}`);
  if (after !== undefined) query = query.where('policies.arn', '>', after);
  const page = pageOf(await query.orderBy('policies.arn').limit(limit + 1).execute(), limit, (row) => row.arn);
  return { AttachedPolicies: page.items.map((row) => ({ PolicyName: row.name, PolicyArn: row.arn })), ...pageResponse(page.next) };
}

export const AttachUserPolicy: Handler<Input<AttachUserPolicyRequest>, void> = (input, context) => attach(context, 'user', input.UserName, input.PolicyArn);
export const AttachGroupPolicy: Handler<Input<AttachGroupPolicyRequest>, void> = (input, context) => attach(context, 'group', input.GroupName, input.PolicyArn);
export const AttachRolePolicy: Handler<Input<AttachRolePolicyRequest>, void> = (input, context) => attach(context, 'role', input.RoleName, input.PolicyArn);

export const DetachUserPolicy: Handler<Input<DetachUserPolicyRequest>, void> = (input, context) => detach(context, 'user', input.UserName, input.PolicyArn);
export const DetachGroupPolicy: Handler<Input<DetachGroupPolicyRequest>, void> = (input, context) => detach(context, 'group', input.GroupName, input.PolicyArn);
export const DetachRolePolicy: Handler<Input<DetachRolePolicyRequest>, void> = (input, context) => detach(context, 'role', input.RoleName, input.PolicyArn);

export const ListAttachedUserPolicies: Handler<Input<ListAttachedUserPoliciesRequest>, ListAttachedUserPoliciesResponse> = (input, context) =>
  listAttached(context, 'user', input.UserName, input);
export const ListAttachedGroupPolicies: Handler<Input<ListAttachedGroupPoliciesRequest>, ListAttachedGroupPoliciesResponse> = (input, context) =>
  listAttached(context, 'group', input.GroupName, input);
export const ListAttachedRolePolicies: Handler<Input<ListAttachedRolePoliciesRequest>, ListAttachedRolePoliciesResponse> = (input, context) =>
  listAttached(context, 'role', input.RoleName, input);

/** One principal that uses a policy, with the sort key of the combined listing. */
interface Using {
  readonly kind: PrincipalKind;
  readonly key: string;
  readonly name: string;
  readonly id: string;
}

const ENTITY_FILTERS: Readonly<Record<string, PrincipalKind>> = { User: 'user', Group: 'group', Role: 'role' };

export const ListEntitiesForPolicy: Handler<Input<ListEntitiesForPolicyRequest>, ListEntitiesForPolicyResponse> = async (input, context) => {
  const db = context.store.db;
  const policy = await requirePolicy(db, context, input.PolicyArn);
  const account = context.caller.accountId;
  const filter = input.EntityFilter === undefined ? undefined : ENTITY_FILTERS[input.EntityFilter];
  // The managed-policy filters name no principal kind: nothing to list.
  if (input.EntityFilter !== undefined && filter === undefined) return { PolicyGroups: [], PolicyUsers: [], PolicyRoles: [], IsTruncated: false };
  const kinds = (['group', 'role', 'user'] as const).filter((kind) => filter === undefined || filter === kind);
  const prefix = input.PathPrefix && input.PathPrefix !== '/' ? input.PathPrefix : undefined;
  const using: Using[] = [];
  for (const kind of kinds) {
    const table = NAMED_ENTITIES[kind].table;
    // Boundaries are on users and roles only (IAM API, "ListEntitiesForPolicy", PolicyUsageFilter).
    const byAttachment = input.PolicyUsageFilter !== 'PermissionsBoundary';
    const byBoundary = input.PolicyUsageFilter !== 'PermissionsPolicy' && kind !== 'group';
    if (!byAttachment && !byBoundary) continue;
    let query = db
      .selectFrom(table as 'users')
      .select(['id', 'name', 'name_lower'])
      .where('account_id', '=', account)
      .where((eb) =>
        eb.or([
          ...(byAttachment ? [eb('id', 'in', eb.selectFrom('attachments').select('principal_id').where('principal_type', '=', kind).where('policy_id', '=', policy.id))] : []),
          ...(byBoundary ? [eb('boundary_arn', '=', policy.arn)] : []),
        ]),
      );
    if (prefix) query = query.where(sql<boolean>`substr(path, 1, ${prefix.length}) = ${prefix}`);
    for (const row of await query.execute()) using.push({ kind, key: `${kind}/${row.name_lower}`, name: row.name, id: row.id });
  }
  // Groups, roles and users in one listing, paged by kind and name.
  const page = pageSorted(using.sort(byKey((u) => u.key)), input, (u) => u.key);
  const of = (kind: PrincipalKind) => page.items.filter((u) => u.kind === kind);
  return {
    PolicyGroups: of('group').map((u) => ({ GroupName: u.name, GroupId: u.id })),
    PolicyUsers: of('user').map((u) => ({ UserName: u.name, UserId: u.id })),
    PolicyRoles: of('role').map((u) => ({ RoleName: u.name, RoleId: u.id })),
    ...page.response,
  };
};
