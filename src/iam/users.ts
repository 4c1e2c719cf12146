/** IAM users: create, read, list, rename or move, tag, delete (IAM API Reference, "CreateUser" and neighbours). */
import type {
  CreateUserRequest,
  CreateUserResponse,
  DeleteUserRequest,
  GetUserRequest,
  GetUserResponse,
  ListUserTagsRequest,
  ListUserTagsResponse,
  ListUsersRequest,
  ListUsersResponse,
  TagUserRequest,
  UntagUserRequest,
  UpdateUserRequest,
  User,
} from '@aws-sdk/client-iam';
import { newId } from '../shared/ids.js';
import { listPage, type Row } from '../store/repos/named-entities.js';
import type { Db } from '../store/store.js';
import { entityArn } from './arns.js';
import { boundaryMember, requireBoundaryPolicy } from './boundaries.js';
import type { Handler, Input, OperationContext } from './context.js';
import { DeleteConflict, ValidationError } from './errors.js';
import { claimingName, renameEntity, requireEntity } from './named-entities.js';
import { pageRequest, pageResponse } from './paging.js';
import { dropTags, listTagsPage, putTags, removeTags, tagsOf } from './tags.js';

/** A user row, or NoSuchEntity in AWS's words. */
export function requireUser(db: Db, context: OperationContext, userName: string): Promise<Row<'users'>> {
  return requireEntity(db, context, 'user', userName);
}

/** A user as the API shows it. */
export function toUser(context: OperationContext, row: Row<'users'>, extra: Partial<User> = {}): User {
  return {
    Path: row.path,
    UserName: row.name,
    UserId: row.id,
    Arn: entityArn(context, 'user', row.path, row.name),
    CreateDate: new Date(row.created_at),
    ...boundaryMember(row.boundary_arn),
    ...(row.password_last_used && { PasswordLastUsed: new Date(row.password_last_used) }),
    ...extra,
  };
}

export const CreateUser: Handler<Input<CreateUserRequest>, CreateUserResponse> = async (input, context) => {
  const { store, caller, clock } = context;
  const row: Row<'users'> = {
    id: newId('user'),
    account_id: caller.accountId,
    name: input.UserName,
    name_lower: input.UserName.toLowerCase(),
    path: input.Path ?? '/',
    created_at: new Date(clock.now()).toISOString(),
    boundary_arn: null,
    password_last_used: null,
  };
  await claimingName('user', input.UserName, () =>
    store.transaction(async (tx) => {
      if (input.PermissionsBoundary !== undefined) row.boundary_arn = await requireBoundaryPolicy(tx, context, input.PermissionsBoundary);
      await tx.insertInto('users').values(row).execute();
      await putTags(tx, 'user', row.id, input.Tags);
    }),
  );
  return { User: toUser(context, row, input.Tags?.length ? { Tags: input.Tags } : {}) };
};

export const GetUser: Handler<Input<GetUserRequest>, GetUserResponse> = async (input, context) => {
  const { store, caller } = context;
  // Without a name, GetUser describes the caller (an IAM user) or the account root.
  if (input.UserName === undefined && caller.type === 'root') {
    return { User: { Path: '/', UserName: caller.accountId, UserId: caller.accountId, Arn: caller.arn, CreateDate: new Date(0) } };
  }
  const name = input.UserName ?? caller.userName;
  if (name === undefined) throw new ValidationError('Must specify userName when calling with non-User credentials');
  const row = await requireUser(store.db, context, name);
  const tags = await tagsOf(store.db, 'user', row.id);
  return { User: toUser(context, row, tags.length ? { Tags: tags } : {}) };
};

export const ListUsers: Handler<Input<ListUsersRequest>, ListUsersResponse> = async (input, context) => {
  const { limit, after } = pageRequest(input);
  const page = await listPage(context.store.db, 'users', context.caller.accountId, { pathPrefix: input.PathPrefix, after, limit });
  return { Users: page.items.map((row) => toUser(context, row)), ...pageResponse(page.next) };
};

export const UpdateUser: Handler<Input<UpdateUserRequest>, void> = (input, context) =>
  renameEntity(context, 'user', input.UserName, { newName: input.NewUserName, newPath: input.NewPath });

export const DeleteUser: Handler<Input<DeleteUserRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireUser(tx, context, input.UserName);
    // AWS refuses to delete a user that still has things attached, naming the first (IAM API, "DeleteUser").
    const blockers = [
      ['delete login profile', tx.selectFrom('login_profiles').select('user_id').where('user_id', '=', row.id)],
      ['delete access keys', tx.selectFrom('access_keys').select('id').where('owner_type', '=', 'user').where('owner_id', '=', row.id)],
      ['delete signing certificates', tx.selectFrom('signing_certificates').select('id').where('user_id', '=', row.id)],
      ['delete SSH public keys', tx.selectFrom('ssh_public_keys').select('id').where('user_id', '=', row.id)],
      ['delete service specific credentials', tx.selectFrom('service_credentials').select('id').where('user_id', '=', row.id)],
      ['delete MFA devices', tx.selectFrom('mfa_devices').select('serial').where('user_id', '=', row.id)],
      ['remove users from group', tx.selectFrom('group_members').select('user_id').where('user_id', '=', row.id)],
      ['detach all policies', tx.selectFrom('attachments').select('principal_id').where('principal_type', '=', 'user').where('principal_id', '=', row.id)],
      ['delete policies', tx.selectFrom('inline_policies').select('principal_id').where('principal_type', '=', 'user').where('principal_id', '=', row.id)],
    ] as const;
    for (const [what, query] of blockers) {
      if (await query.executeTakeFirst()) throw new DeleteConflict(`Cannot delete entity, must ${what} first.`);
    }
    await dropTags(tx, 'user', row.id);
    await tx.deleteFrom('password_history').where('user_id', '=', row.id).execute();
    await tx.deleteFrom('users').where('id', '=', row.id).execute();
  });
};

export const TagUser: Handler<Input<TagUserRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireUser(tx, context, input.UserName);
    await putTags(tx, 'user', row.id, input.Tags);
  });
};

export const UntagUser: Handler<Input<UntagUserRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireUser(tx, context, input.UserName);
    await removeTags(tx, 'user', row.id, input.TagKeys);
  });
};

export const ListUserTags: Handler<Input<ListUserTagsRequest>, ListUserTagsResponse> = async (input, context) => {
  const row = await requireUser(context.store.db, context, input.UserName);
  return listTagsPage(context.store.db, 'user', row.id, input);
};
