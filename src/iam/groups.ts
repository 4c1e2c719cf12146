/** IAM groups and their members (IAM API Reference, "CreateGroup", "AddUserToGroup" and neighbours). */
import type {
  AddUserToGroupRequest,
  CreateGroupRequest,
  CreateGroupResponse,
  DeleteGroupRequest,
  GetGroupRequest,
  GetGroupResponse,
  Group,
  ListGroupsForUserRequest,
  ListGroupsForUserResponse,
  ListGroupsRequest,
  ListGroupsResponse,
  RemoveUserFromGroupRequest,
  UpdateGroupRequest,
} from '@aws-sdk/client-iam';
import { newId } from '../shared/ids.js';
import { listPage, pageOf, type Row } from '../store/repos/named-entities.js';
import { isUniqueViolation, type Db } from '../store/store.js';
import { entityArn } from './arns.js';
import type { Handler, Input, OperationContext } from './context.js';
import { DeleteConflict, LimitExceeded, NoSuchEntity } from './errors.js';
import { claimingName, renameEntity, requireEntity } from './named-entities.js';
import { pageRequest, pageResponse } from './paging.js';
import { requireUser, toUser } from './users.js';

/** A user may belong to at most 10 groups (IAM UG, "IAM and AWS STS quotas": groups per user). */
export const GROUPS_PER_USER = 10;

/** A group row, or NoSuchEntity in AWS's words. */
export function requireGroup(db: Db, context: OperationContext, groupName: string): Promise<Row<'groups'>> {
  return requireEntity(db, context, 'group', groupName);
}

/** A group as the API shows it. */
export function toGroup(context: OperationContext, row: Row<'groups'>): Group {
  return { Path: row.path, GroupName: row.name, GroupId: row.id, Arn: entityArn(context, 'group', row.path, row.name), CreateDate: new Date(row.created_at) };
}

export const CreateGroup: Handler<Input<CreateGroupRequest>, CreateGroupResponse> = async (input, context) => {
  const { store, caller, clock } = context;
  const row: Row<'groups'> = {
    id: newId('group'),
    account_id: caller.accountId,
    name: input.GroupName,
    name_lower: input.GroupName.toLowerCase(),
    path: input.Path ?? '/',
    created_at: new Date(clock.now()).toISOString(),
  };
  await claimingName('group', input.GroupName, () => store.db.insertInto('groups').values(row).execute());
  return { Group: toGroup(context, row) };
};

export const GetGroup: Handler<Input<GetGroupRequest>, GetGroupResponse> = async (input, context) => {
  const { db } = context.store;
  const group = await requireGroup(db, context, input.GroupName);
  const { limit, after } = pageRequest(input);
  let query = db
    .selectFrom('users')
    .innerJoin('group_members', 'group_members.user_id', 'users.id')
    .selectAll('users')
    .where('group_members.group_id', '=', group.id);
  if (after !== undefined) query = query.where('users.name_lower', '>', after);
  const rows = await query.orderBy('users.name_lower').limit(limit + 1).execute();
  const page = pageOf(rows, limit, (row) => row.name_lower);
  return { Group: toGroup(context, group), Users: page.items.map((row) => toUser(context, row)), ...pageResponse(page.next) };
};

export const ListGroups: Handler<Input<ListGroupsRequest>, ListGroupsResponse> = async (input, context) => {
  const { limit, after } = pageRequest(input);
  const page = await listPage(context.store.db, 'groups', context.caller.accountId, { pathPrefix: input.PathPrefix, after, limit });
  return { Groups: page.items.map((row) => toGroup(context, row)), ...pageResponse(page.next) };
};

export const ListGroupsForUser: Handler<Input<ListGroupsForUserRequest>, ListGroupsForUserResponse> = async (input, context) => {
  const { db } = context.store;
  const user = await requireUser(db, context, input.UserName);
  const { limit, after } = pageRequest(input);
  let query = db
    .selectFrom('groups')
    .innerJoin('group_members', 'group_members.group_id', 'groups.id')
    .selectAll('groups')
    .where('group_members.user_id', '=', user.id);
  if (after !== undefined) query = query.where('groups.name_lower', '>', after);
  const rows = await query.orderBy('groups.name_lower').limit(limit + 1).execute();
  const page = pageOf(rows, limit, (row) => row.name_lower);
  return { Groups: page.items.map((row) => toGroup(context, row)), ...pageResponse(page.next) };
};

export const UpdateGroup: Handler<Input<UpdateGroupRequest>, void> = (input, context) =>
  renameEntity(context, 'group', input.GroupName, { newName: input.NewGroupName, newPath: input.NewPath });

export const DeleteGroup: Handler<Input<DeleteGroupRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireGroup(tx, context, input.GroupName);
    // AWS refuses to delete a group that still has members or policies (IAM API, "DeleteGroup").
    const member = await tx.selectFrom('group_members').select('user_id').where('group_id', '=', row.id).executeTakeFirst();
    if (member) throw new DeleteConflict('Cannot delete entity, must remove users from group first.');
    const [attached, inline] = await Promise.all([
      tx.selectFrom('attachments').select('policy_id').where('principal_type', '=', 'group').where('principal_id', '=', row.id).executeTakeFirst(),
      tx.selectFrom('inline_policies').select('name').where('principal_type', '=', 'group').where('principal_id', '=', row.id).executeTakeFirst(),
    ]);
    if (attached || inline) throw new DeleteConflict('Cannot delete entity, must delete policies first.');
    await tx.deleteFrom('groups').where('id', '=', row.id).execute();
  });
};

export const AddUserToGroup: Handler<Input<AddUserToGroupRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const group = await requireGroup(tx, context, input.GroupName);
    const user = await requireUser(tx, context, input.UserName);
    const memberships = await tx.selectFrom('group_members').select('group_id').where('user_id', '=', user.id).execute();
    // Adding a member twice changes nothing, as in AWS; the quota is counted in the same transaction.
    if (memberships.some((m) => m.group_id === group.id)) return;
    if (memberships.length >= GROUPS_PER_USER) throw new LimitExceeded(`Cannot exceed quota for GroupsPerUser: ${GROUPS_PER_USER}`);
    await tx.insertInto('group_members').values({ group_id: group.id, user_id: user.id }).execute();
  }).catch((error: unknown) => {
    // A concurrent add of the same member won the insert: the outcome is the one asked for.
    if (!isUniqueViolation(error)) throw error;
  });
};

export const RemoveUserFromGroup: Handler<Input<RemoveUserFromGroupRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const group = await requireGroup(tx, context, input.GroupName);
    const user = await requireUser(tx, context, input.UserName);
    const removed = await tx.deleteFrom('group_members').where('group_id', '=', group.id).where('user_id', '=', user.id).executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) throw new NoSuchEntity(`The user with name ${input.UserName} cannot be found in group ${group.name}.`);
  });
};
