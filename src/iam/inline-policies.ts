/**
 * Inline policies: policies embedded in one user, group or role (IAM API Reference, "PutUserPolicy"
 * and neighbours). Their aggregate size per principal has a quota, counted in the transaction that
 * writes, so concurrent puts cannot together exceed it.
 */
import type {
  DeleteGroupPolicyRequest,
  DeleteRolePolicyRequest,
  DeleteUserPolicyRequest,
  GetGroupPolicyRequest,
  GetGroupPolicyResponse,
  GetRolePolicyRequest,
  GetRolePolicyResponse,
  GetUserPolicyRequest,
  GetUserPolicyResponse,
  ListGroupPoliciesRequest,
  ListGroupPoliciesResponse,
  ListRolePoliciesRequest,
  ListRolePoliciesResponse,
  ListUserPoliciesRequest,
  ListUserPoliciesResponse,
  PolicyDetail,
  PutGroupPolicyRequest,
  PutRolePolicyRequest,
  PutUserPolicyRequest,
} from '@aws-sdk/client-iam';
import { parse } from '../policy/index.js';
import { pageOf } from '../store/repos/named-entities.js';
import type { PrincipalKind } from '../store/schema.js';
import type { Db } from '../store/store.js';
import type { Handler, Input, OperationContext } from './context.js';
import { LimitExceeded, NoSuchEntity } from './errors.js';
import { requireEntity } from './named-entities.js';
import { assertModifiableRole } from './service-linked-roles.js';
import { pageRequest, pageResponse } from './paging.js';
import { checkDocument, decodeDocument, encodeDocument } from './policy-documents.js';

/**
 * Aggregate size of a principal's inline policies, in characters that are not white space (IAM UG,
 * "IAM and AWS STS quotas": user 2048, group 5120, role 10240).
 */
export const INLINE_POLICY_QUOTA: Readonly<Record<PrincipalKind, number>> = { user: 2048, group: 5120, role: 10240 };

/** A principal's inline policies in name order, documents URL-encoded as AWS returns them. */
export async function inlinePolicies(db: Db, kind: PrincipalKind, principalId: string): Promise<PolicyDetail[]> {
  const rows = await db.selectFrom('inline_policies').select(['name', 'document']).where('principal_type', '=', kind).where('principal_id', '=', principalId).orderBy('name').execute();
  return rows.map((row) => ({ PolicyName: row.name, PolicyDocument: encodeDocument(row.document) }));
}

async function put(context: OperationContext, kind: PrincipalKind, principalName: string, policyName: string, text: string): Promise<void> {
  const document = decodeDocument(text);
  const quota = INLINE_POLICY_QUOTA[kind];
  const size = checkDocument(document, 'identity', Infinity).size;
  await context.store.transaction(async (tx) => {
    const principal = await requireEntity(tx, context, kind, principalName);
    if (kind === 'role') assertModifiableRole(principal);
    const others = await tx
      .selectFrom('inline_policies')
      .select('document')
      .where('principal_type', '=', kind)
      .where('principal_id', '=', principal.id)
      .where('name', '!=', policyName)
      .execute();
    // Stored documents were validated on the way in, so they parse; parse counts as the quota does.
    const total = others.reduce((sum, row) => sum + parse(row.document).size, size);
    if (total > quota) throw new LimitExceeded(`Maximum policy size of ${quota} bytes exceeded for ${kind} ${principal.name}`);
    // Delete then insert replaces a policy of the same name in one step of the transaction.
    await tx.deleteFrom('inline_policies').where('principal_type', '=', kind).where('principal_id', '=', principal.id).where('name', '=', policyName).execute();
    await tx.insertInto('inline_policies').values({ principal_type: kind, principal_id: principal.id, name: policyName, document }).execute();
  });
}

async function get(context: OperationContext, kind: PrincipalKind, principalName: string, policyName: string): Promise<{ principal: string; document: string }> {
  const db = context.store.db;
  const principal = await requireEntity(db, context, kind, principalName);
  const row = await db
    .selectFrom('inline_policies')
    .select('document')
    .where('principal_type', '=', kind)
    .where('principal_id', '=', principal.id)
    .where('name', '=', policyName)
    .executeTakeFirst();
  if (!row) throw new NoSuchEntity(`The ${kind} policy with name ${policyName} cannot be found.`);
  return { principal: principal.name, document: encodeDocument(row.document) };
}

async function list(context: OperationContext, kind: PrincipalKind, principalName: string, input: { Marker?: string; MaxItems?: number }): Promise<{ PolicyNames: string[]; IsTruncated: boolean; Marker?: string }> {
  const db = context.store.db;
  const principal = await requireEntity(db, context, kind, principalName);
  const { limit, after } = pageRequest(input);
  let query = db.selectFrom('inline_policies').select('name').where('principal_type', '=', kind).where('principal_id', '=', principal.id);
  if (after !== undefined) query = query.where('name', '>', after);
  const page = pageOf(await query.orderBy('name').limit(limit + 1).execute(), limit, (row) => row.name);
  return { PolicyNames: page.items.map((row) => row.name), ...pageResponse(page.next) };
}

async function remove(context: OperationContext, kind: PrincipalKind, principalName: string, policyName: string): Promise<void> {
  await context.store.transaction(async (tx) => {
    const principal = await requireEntity(tx, context, kind, principalName);
    if (kind === 'role') assertModifiableRole(principal);
    const result = await tx
      .deleteFrom('inline_policies')
      .where('principal_type', '=', kind)
      .where('principal_id', '=', principal.id)
      .where('name', '=', policyName)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw new NoSuchEntity(`The ${kind} policy with name ${policyName} cannot be found.`);
  });
}

export const PutUserPolicy: Handler<Input<PutUserPolicyRequest>, void> = (input, context) => put(context, 'user', input.UserName, input.PolicyName, input.PolicyDocument);
export const PutGroupPolicy: Handler<Input<PutGroupPolicyRequest>, void> = (input, context) => put(context, 'group', input.GroupName, input.PolicyName, input.PolicyDocument);
export const PutRolePolicy: Handler<Input<PutRolePolicyRequest>, void> = (input, context) => put(context, 'role', input.RoleName, input.PolicyName, input.PolicyDocument);

export const GetUserPolicy: Handler<Input<GetUserPolicyRequest>, GetUserPolicyResponse> = async (input, context) => {
  const found = await get(context, 'user', input.UserName, input.PolicyName);
  return { UserName: found.principal, PolicyName: input.PolicyName, PolicyDocument: found.document };
};
export const GetGroupPolicy: Handler<Input<GetGroupPolicyRequest>, GetGroupPolicyResponse> = async (input, context) => {
  const found = await get(context, 'group', input.GroupName, input.PolicyName);
  return { GroupName: found.principal, PolicyName: input.PolicyName, PolicyDocument: found.document };
};
export const GetRolePolicy: Handler<Input<GetRolePolicyRequest>, GetRolePolicyResponse> = async (input, context) => {
  const found = await get(context, 'role', input.RoleName, input.PolicyName);
  return { RoleName: found.principal, PolicyName: input.PolicyName, PolicyDocument: found.document };
};

export const ListUserPolicies: Handler<Input<ListUserPoliciesRequest>, ListUserPoliciesResponse> = (input, context) => list(context, 'user', input.UserName, input);
export const ListGroupPolicies: Handler<Input<ListGroupPoliciesRequest>, ListGroupPoliciesResponse> = (input, context) => list(context, 'group', input.GroupName, input);
export const ListRolePolicies: Handler<Input<ListRolePoliciesRequest>, ListRolePoliciesResponse> = (input, context) => list(context, 'role', input.RoleName, input);

export const DeleteUserPolicy: Handler<Input<DeleteUserPolicyRequest>, void> = (input, context) => remove(context, 'user', input.UserName, input.PolicyName);
export const DeleteGroupPolicy: Handler<Input<DeleteGroupPolicyRequest>, void> = (input, context) => remove(context, 'group', input.GroupName, input.PolicyName);
export const DeleteRolePolicy: Handler<Input<DeleteRolePolicyRequest>, void> = (input, context) => remove(context, 'role', input.RoleName, input.PolicyName);
