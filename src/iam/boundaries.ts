/**
 * Permissions boundaries of users and roles: set or replace one, remove it (IAM API Reference,
 * "PutRolePermissionsBoundary" and neighbours; IAM UG, "Permissions boundaries for IAM entities").
 */
import type {
  DeleteRolePermissionsBoundaryRequest,
  DeleteUserPermissionsBoundaryRequest,
  PutRolePermissionsBoundaryRequest,
  PutUserPermissionsBoundaryRequest,
  Role,
} from '@aws-sdk/client-iam';
import type { Db } from '../store/store.js';
import type { Handler, Input, OperationContext } from './context.js';
import { NoSuchEntity } from './errors.js';
import { findPolicy } from './managed-policies.js';
import { requireEntity } from './named-entities.js';
import { assertModifiableRole } from './service-linked-roles.js';

/**
 * The managed policy a permissions boundary names: one of the account's or an AWS-managed one.
 * Anything else is NoSuchEntity, as AWS answers CreateUser, CreateRole and Put*PermissionsBoundary
 * for a boundary it cannot use.
 */
export async function requireBoundaryPolicy(db: Db, context: OperationContext, arn: string): Promise<string> {
  const row = await findPolicy(db, context, arn);
  if (!row) throw new NoSuchEntity(`Scope ARN: ${arn} does not exist or is not attachable.`);
  return row.arn;
}

/** The PermissionsBoundary member of a user or role that has one. */
export function boundaryMember(arn: string | null): Pick<Role, 'PermissionsBoundary'> {
  return arn === null ? {} : { PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: arn } };
}

export const PutRolePermissionsBoundary: Handler<Input<PutRolePermissionsBoundaryRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireEntity(tx, context, 'role', input.RoleName);
    assertModifiableRole(row);
    const arn = await requireBoundaryPolicy(tx, context, input.PermissionsBoundary);
    await tx.updateTable('roles').set({ boundary_arn: arn }).where('id', '=', row.id).execute();
  });
};

export const DeleteRolePermissionsBoundary: Handler<Input<DeleteRolePermissionsBoundaryRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireEntity(tx, context, 'role', input.RoleName);
    assertModifiableRole(row);
    await tx.updateTable('roles').set({ boundary_arn: null }).where('id', '=', row.id).execute();
  });
};

export const PutUserPermissionsBoundary: Handler<Input<PutUserPermissionsBoundaryRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireEntity(tx, context, 'user', input.UserName);
    const arn = await requireBoundaryPolicy(tx, context, input.PermissionsBoundary);
    await tx.updateTable('users').set({ boundary_arn: arn }).where('id', '=', row.id).execute();
  });
};

export const DeleteUserPermissionsBoundary: Handler<Input<DeleteUserPermissionsBoundaryRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireEntity(tx, context, 'user', input.UserName);
    await tx.updateTable('users').set({ boundary_arn: null }).where('id', '=', row.id).execute();
  });
};
