/** IAM roles: create with a trust policy, read, list, update, tag, delete (IAM API Reference, "CreateRole" and neighbours). */
import type {
  CreateRoleRequest,
  CreateRoleResponse,
  DeleteRoleRequest,
  GetRoleRequest,
  GetRoleResponse,
  ListRoleTagsRequest,
  ListRoleTagsResponse,
  ListRolesRequest,
  ListRolesResponse,
  Role,
  TagRoleRequest,
  UntagRoleRequest,
  UpdateAssumeRolePolicyRequest,
  UpdateRoleDescriptionRequest,
  UpdateRoleDescriptionResponse,
  UpdateRoleRequest,
} from '@aws-sdk/client-iam';
import { newId } from '../shared/ids.js';
import { listPage, type Row } from '../store/repos/named-entities.js';
import type { Db } from '../store/store.js';
import { entityArn } from './arns.js';
import { boundaryMember, requireBoundaryPolicy } from './boundaries.js';
import type { Handler, Input, OperationContext } from './context.js';
import { DeleteConflict, LimitExceeded } from './errors.js';
import { claimingName, requireEntity } from './named-entities.js';
import { assertModifiableRole } from './service-linked-roles.js';
import { pageRequest, pageResponse } from './paging.js';
import { checkDocument, decodeDocument, encodeDocument } from './policy-documents.js';
import { dropTags, listTagsPage, putTags, removeTags, tagsOf } from './tags.js';

/** Roles per account (IAM UG, "IAM and AWS STS quotas": adjustable, 1000 by default). */
export const MAX_ROLES = 1000;
/** Session length when CreateRole names none (IAM API, "CreateRole": MaxSessionDuration). */
export const DEFAULT_MAX_SESSION_DURATION = 3600;

/** A role row, or NoSuchEntity in AWS's words. */
export function requireRole(db: Db, context: OperationContext, roleName: string): Promise<Row<'roles'>> {
  return requireEntity(db, context, 'role', roleName);
}

/** A trust policy as the caller sent it (perhaps URL-encoded), validated; answers the JSON to store. */
function trustPolicy(text: string): string {
  const document = decodeDocument(text);
  // AWS names this quota ACLSizePerRole in its LimitExceeded message.
  checkDocument(document, 'trust', undefined, 'ACLSizePerRole');
  return document;
}

/**
 * A role as the API shows it everywhere (ListRoles, instance profiles): the trust policy URL-encoded
 * as AWS returns it. GetRole adds the boundary, tags and last use (`describeRole`).
 */
export function toRole(context: OperationContext, row: Row<'roles'>, extra: Partial<Role> = {}): Role {
  return {
    Path: row.path,
    RoleName: row.name,
    RoleId: row.id,
    Arn: entityArn(context, 'role', row.path, row.name),
    CreateDate: new Date(row.created_at),
    AssumeRolePolicyDocument: encodeDocument(row.trust_policy),
    ...(row.description !== null && { Description: row.description }),
    MaxSessionDuration: row.max_session_duration,
    ...extra,
  };
}

/** A role with everything GetRole shows: boundary, tags and last use. */
async function describeRole(db: Db, context: OperationContext, row: Row<'roles'>): Promise<Role> {
  const tags = await tagsOf(db, 'role', row.id);
  return toRole(context, row, {
    ...boundaryMember(row.boundary_arn),
    ...(tags.length > 0 && { Tags: tags }),
    // AWS always returns RoleLastUsed, empty for a role never used.
    RoleLastUsed: {
      ...(row.last_used_at !== null && { LastUsedDate: new Date(row.last_used_at) }),
      ...(row.last_used_region !== null && { Region: row.last_used_region }),
    },
  });
}

export const CreateRole: Handler<Input<CreateRoleRequest>, CreateRoleResponse> = async (input, context) => {
  const { store, caller, clock } = context;
  const row: Row<'roles'> = {
    id: newId('role'),
    account_id: caller.accountId,
    name: input.RoleName,
    name_lower: input.RoleName.toLowerCase(),
    path: input.Path ?? '/',
    created_at: new Date(clock.now()).toISOString(),
    trust_policy: trustPolicy(input.AssumeRolePolicyDocument),
    description: input.Description || null,
    max_session_duration: input.MaxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION,
    boundary_arn: null,
    last_used_at: null,
    last_used_region: null,
  };
  await claimingName('role', input.RoleName, () =>
    store.transaction(async (tx) => {
      if (input.PermissionsBoundary !== undefined) row.boundary_arn = await requireBoundaryPolicy(tx, context, input.PermissionsBoundary);
      const { count } = await tx.selectFrom('roles').select((eb) => eb.fn.countAll<number>().as('count')).where('account_id', '=', caller.accountId).executeTakeFirstOrThrow();
      if (Number(count) >= MAX_ROLES) throw new LimitExceeded(`Cannot exceed quota for RolesPerAccount: ${MAX_ROLES}`);
      await tx.insertInto('roles').values(row).execute();
      await putTags(tx, 'role', row.id, input.Tags);
    }),
  );
  return {
    Role: toRole(context, row, {
      ...boundaryMember(row.boundary_arn),
      ...(input.Tags?.length && { Tags: input.Tags }),
    }),
  };
};

export const GetRole: Handler<Input<GetRoleRequest>, GetRoleResponse> = async (input, context) => {
  const row = await requireRole(context.store.db, context, input.RoleName);
  return { Role: await describeRole(context.store.db, context, row) };
};

export const ListRoles: Handler<Input<ListRolesRequest>, ListRolesResponse> = async (input, context) => {
  const { limit, after } = pageRequest(input);
  const page = await listPage(context.store.db, 'roles', context.caller.accountId, { pathPrefix: input.PathPrefix, after, limit });
  // ListRoles leaves out boundaries, tags and last use (IAM API, "ListRoles"): GetRole has them.
  return { Roles: page.items.map((row) => toRole(context, row)), ...pageResponse(page.next) };
};

export const UpdateRole: Handler<Input<UpdateRoleRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireRole(tx, context, input.RoleName);
    await tx
      .updateTable('roles')
      .set({
        description: input.Description === undefined ? row.description : input.Description || null,
        max_session_duration: input.MaxSessionDuration ?? row.max_session_duration,
      })
      .where('id', '=', row.id)
      .execute();
  });
};

export const UpdateRoleDescription: Handler<Input<UpdateRoleDescriptionRequest>, UpdateRoleDescriptionResponse> = async (input, context) => {
  return context.store.transaction(async (tx) => {
    const row = await requireRole(tx, context, input.RoleName);
    const description = input.Description || null;
    await tx.updateTable('roles').set({ description }).where('id', '=', row.id).execute();
    return { Role: await describeRole(tx, context, { ...row, description }) };
  });
};

export const UpdateAssumeRolePolicy: Handler<Input<UpdateAssumeRolePolicyRequest>, void> = async (input, context) => {
  const document = trustPolicy(input.PolicyDocument);
  await context.store.transaction(async (tx) => {
    const row = await requireRole(tx, context, input.RoleName);
    assertModifiableRole(row);
    await tx.updateTable('roles').set({ trust_policy: document }).where('id', '=', row.id).execute();
  });
};

export const DeleteRole: Handler<Input<DeleteRoleRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireRole(tx, context, input.RoleName);
    assertModifiableRole(row);
    // AWS refuses to delete a role that is still in use, saying what to undo first (IAM API, "DeleteRole").
    const [profile, attached, inline] = await Promise.all([
      tx.selectFrom('instance_profile_roles').select('profile_id').where('role_id', '=', row.id).executeTakeFirst(),
      tx.selectFrom('attachments').select('policy_id').where('principal_type', '=', 'role').where('principal_id', '=', row.id).executeTakeFirst(),
      tx.selectFrom('inline_policies').select('name').where('principal_type', '=', 'role').where('principal_id', '=', row.id).executeTakeFirst(),
    ]);
    if (profile) throw new DeleteConflict('Cannot delete entity, must remove roles from instance profile first.');
    if (attached) throw new DeleteConflict('Cannot delete entity, must detach all policies first.');
    if (inline) throw new DeleteConflict('Cannot delete entity, must delete policies first.');
    await dropTags(tx, 'role', row.id);
    await tx.deleteFrom('roles').where('id', '=', row.id).execute();
  });
};

export const TagRole: Handler<Input<TagRoleRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireRole(tx, context, input.RoleName);
    await putTags(tx, 'role', row.id, input.Tags);
  });
};

export const UntagRole: Handler<Input<UntagRoleRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireRole(tx, context, input.RoleName);
    await removeTags(tx, 'role', row.id, input.TagKeys);
  });
};

export const ListRoleTags: Handler<Input<ListRoleTagsRequest>, ListRoleTagsResponse> = async (input, context) => {
  const row = await requireRole(context.store.db, context, input.RoleName);
  return listTagsPage(context.store.db, 'role', row.id, input);
};
