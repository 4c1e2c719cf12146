/**
 * Instance profiles: containers that hand one role to a workload (IAM API Reference,
 * "CreateInstanceProfile" and neighbours; IAM UG, "Use instance profiles").
 */
import type {
  AddRoleToInstanceProfileRequest,
  CreateInstanceProfileRequest,
  CreateInstanceProfileResponse,
  DeleteInstanceProfileRequest,
  GetInstanceProfileRequest,
  GetInstanceProfileResponse,
  InstanceProfile,
  ListInstanceProfileTagsRequest,
  ListInstanceProfileTagsResponse,
  ListInstanceProfilesForRoleRequest,
  ListInstanceProfilesForRoleResponse,
  ListInstanceProfilesRequest,
  ListInstanceProfilesResponse,
  RemoveRoleFromInstanceProfileRequest,
  Role,
  TagInstanceProfileRequest,
  UntagInstanceProfileRequest,
} from '@aws-sdk/client-iam';
import { newId } from '../shared/ids.js';
import { listPage, pageOf, type Row } from '../store/repos/named-entities.js';
import { isUniqueViolation, type Db } from '../store/store.js';
import { entityArn } from './arns.js';
import type { Handler, Input, OperationContext } from './context.js';
import { DeleteConflict, LimitExceeded, NoSuchEntity } from './errors.js';
import { claimingName, requireEntity } from './named-entities.js';
import { pageRequest, pageResponse } from './paging.js';
import { requireRole, toRole } from './roles.js';
import { dropTags, listTagsPage, putTags, removeTags, tagsOf } from './tags.js';

/** Instance profiles per account (IAM UG, "IAM and AWS STS quotas": adjustable, 1000 by default). */
export const MAX_INSTANCE_PROFILES = 1000;
/** Roles per instance profile: a fixed quota of one (IAM UG, "IAM and AWS STS quotas"). */
export const MAX_ROLES_PER_PROFILE = 1;

const RESOURCE_TYPE = 'instance-profile';

/** An instance profile row, or NoSuchEntity in AWS's words. */
export function requireInstanceProfile(db: Db, context: OperationContext, name: string): Promise<Row<'instance_profiles'>> {
  return requireEntity(db, context, 'instance-profile', name);
}

/** The roles of each of the given instance profiles, read in one query. */
async function rolesOf(db: Db, context: OperationContext, profileIds: readonly string[]): Promise<Map<string, Role[]>> {
  const roles = new Map<string, Role[]>(profileIds.map((id) => [id, []]));
  if (profileIds.length === 0) return roles;
  const rows = await db
    .selectFrom('instance_profile_roles')
    .innerJoin('roles', 'roles.id', 'instance_profile_roles.role_id')
    .selectAll('roles')
    .select('instance_profile_roles.profile_id')
    .where('instance_profile_roles.profile_id', 'in', profileIds)
    .execute();
  for (const { profile_id, ...role } of rows) roles.get(profile_id)?.push(toRole(context, role));
  return roles;
}

/** The instance profiles that hold a role, as a query to narrow and order. */
export function profilesOfRole(db: Db, roleId: string) {
  return db
    .selectFrom('instance_profiles')
    .innerJoin('instance_profile_roles', 'instance_profile_roles.profile_id', 'instance_profiles.id')
    .selectAll('instance_profiles')
    .where('instance_profile_roles.role_id', '=', roleId);
}

/** An instance profile as the API shows it, with its roles. */
export function toInstanceProfile(context: OperationContext, row: Row<'instance_profiles'>, roles: Role[], extra: Partial<InstanceProfile> = {}): InstanceProfile {
  return {
    Path: row.path,
    InstanceProfileName: row.name,
    InstanceProfileId: row.id,
    Arn: entityArn(context, 'instance-profile', row.path, row.name),
    CreateDate: new Date(row.created_at),
    Roles: roles,
    ...extra,
  };
}

/** Instance profiles as listings show them: each with its roles, without tags (IAM API, "ListInstanceProfiles"). */
async function toInstanceProfiles(db: Db, context: OperationContext, rows: readonly Row<'instance_profiles'>[]): Promise<InstanceProfile[]> {
  const roles = await rolesOf(db, context, rows.map((row) => row.id));
  return rows.map((row) => toInstanceProfile(context, row, roles.get(row.id) ?? []));
}

export const CreateInstanceProfile: Handler<Input<CreateInstanceProfileRequest>, CreateInstanceProfileResponse> = async (input, context) => {
  const { store, caller, clock } = context;
  const row: Row<'instance_profiles'> = {
    id: newId('instanceProfile'),
    account_id: caller.accountId,
    name: input.InstanceProfileName,
    name_lower: input.InstanceProfileName.toLowerCase(),
    path: input.Path ?? '/',
    created_at: new Date(clock.now()).toISOString(),
  };
  await claimingName('instance-profile', input.InstanceProfileName, () =>
    store.transaction(async (tx) => {
      const { count } = await tx
        .selectFrom('instance_profiles')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('account_id', '=', caller.accountId)
        .executeTakeFirstOrThrow();
      if (Number(count) >= MAX_INSTANCE_PROFILES) throw new LimitExceeded(`Cannot exceed quota for InstanceProfilesPerAccount: ${MAX_INSTANCE_PROFILES}`);
      await tx.insertInto('instance_profiles').values(row).execute();
      await putTags(tx, RESOURCE_TYPE, row.id, input.Tags);
    }),
  );
  return { InstanceProfile: toInstanceProfile(context, row, [], input.Tags?.length ? { Tags: input.Tags } : {}) };
};

export const GetInstanceProfile: Handler<Input<GetInstanceProfileRequest>, GetInstanceProfileResponse> = async (input, context) => {
  const { db } = context.store;
  const row = await requireInstanceProfile(db, context, input.InstanceProfileName);
  const [roles, tags] = await Promise.all([rolesOf(db, context, [row.id]), tagsOf(db, RESOURCE_TYPE, row.id)]);
  return { InstanceProfile: toInstanceProfile(context, row, roles.get(row.id) ?? [], tags.length ? { Tags: tags } : {}) };
};

export const ListInstanceProfiles: Handler<Input<ListInstanceProfilesRequest>, ListInstanceProfilesResponse> = async (input, context) => {
  const { db } = context.store;
  const { limit, after } = pageRequest(input);
  const page = await listPage(db, 'instance_profiles', context.caller.accountId, { pathPrefix: input.PathPrefix, after, limit });
  return { InstanceProfiles: await toInstanceProfiles(db, context, page.items), ...pageResponse(page.next) };
};

export const ListInstanceProfilesForRole: Handler<Input<ListInstanceProfilesForRoleRequest>, ListInstanceProfilesForRoleResponse> = async (input, context) => {
  const { db } = context.store;
  const role = await requireRole(db, context, input.RoleName);
  const { limit, after } = pageRequest(input);
  let query = profilesOfRole(db, role.id);
  if (after !== undefined) query = query.where('instance_profiles.name_lower', '>', after);
  const rows = await query.orderBy('instance_profiles.name_lower').limit(limit + 1).execute();
  const page = pageOf(rows, limit, (row) => row.name_lower);
  return { InstanceProfiles: await toInstanceProfiles(db, context, page.items), ...pageResponse(page.next) };
};

export const DeleteInstanceProfile: Handler<Input<DeleteInstanceProfileRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireInstanceProfile(tx, context, input.InstanceProfileName);
    const held = await tx.selectFrom('instance_profile_roles').select('role_id').where('profile_id', '=', row.id).executeTakeFirst();
    if (held) throw new DeleteConflict('Cannot delete entity, must remove roles from instance profile first.');
    await dropTags(tx, RESOURCE_TYPE, row.id);
    await tx.deleteFrom('instance_profiles').where('id', '=', row.id).execute();
  });
};

export const AddRoleToInstanceProfile: Handler<Input<AddRoleToInstanceProfileRequest>, void> = async (input, context) => {
  try {
    await context.store.transaction(async (tx) => {
      const profile = await requireInstanceProfile(tx, context, input.InstanceProfileName);
      const role = await requireRole(tx, context, input.RoleName);
      await tx.insertInto('instance_profile_roles').values({ profile_id: profile.id, role_id: role.id }).execute();
    });
  } catch (error) {
    // The profile id is the table's key, so a profile holds one role however many adds race.
    if (isUniqueViolation(error)) throw new LimitExceeded(`Cannot exceed quota for InstanceSessionsPerInstanceProfile: ${MAX_ROLES_PER_PROFILE}`);
    throw error;
  }
};

export const RemoveRoleFromInstanceProfile: Handler<Input<RemoveRoleFromInstanceProfileRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const profile = await requireInstanceProfile(tx, context, input.InstanceProfileName);
    const role = await requireRole(tx, context, input.RoleName);
    const removed = await tx.deleteFrom('instance_profile_roles').where('profile_id', '=', profile.id).where('role_id', '=', role.id).executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) {
      throw new NoSuchEntity(`The role with name ${input.RoleName} cannot be found in instance profile ${input.InstanceProfileName}.`);
    }
  });
};

export const TagInstanceProfile: Handler<Input<TagInstanceProfileRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireInstanceProfile(tx, context, input.InstanceProfileName);
    await putTags(tx, RESOURCE_TYPE, row.id, input.Tags);
  });
};

export const UntagInstanceProfile: Handler<Input<UntagInstanceProfileRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireInstanceProfile(tx, context, input.InstanceProfileName);
    await removeTags(tx, RESOURCE_TYPE, row.id, input.TagKeys);
  });
};

export const ListInstanceProfileTags: Handler<Input<ListInstanceProfileTagsRequest>, ListInstanceProfileTagsResponse> = async (input, context) => {
  const row = await requireInstanceProfile(context.store.db, context, input.InstanceProfileName);
  return listTagsPage(context.store.db, RESOURCE_TYPE, row.id, input);
};
