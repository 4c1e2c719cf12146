/**
 * Permissions boundaries of users and roles: set or replace one, remove it (IAM API Reference,
 * "PutRolePermissionsBoundary" and neighbours; IAM UG, "Permissions boundaries for IAM entities").
 */
import type {
  DeleteRolePermissionsBoundaryRequest,
  DeleteUserPermissionsBoundaryRequest,
  PutRolePermissionsBoundaryRequest,
  PutUserPermissionsBoundaryRequest,
} from '@aws-sdk/client-iam';
import type { Handler, Input } from './context.js';
import { requireBoundaryPolicy, requireRole } from './roles.js';
import { requireUser } from './users.js';

export const PutRolePermissionsBoundary: Handler<Input<PutRolePermissionsBoundaryRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireRole(tx, context, input.RoleName);
    const arn = await requireBoundaryPolicy(tx, context, input.PermissionsBoundary);
    await tx.updateTable('roles').set({ boundary_arn: arn }).where('id', '=', row.id).execute();
  });
};

export const DeleteRolePermissionsBoundary: Handler<Input<DeleteRolePermissionsBoundaryRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireRole(tx, context, input.RoleName);
    await tx.updateTable('roles').set({ boundary_arn: null }).where('id', '=', row.id).execute();
  });
};

export const PutUserPermissionsBoundary: Handler<Input<PutUserPermissionsBoundaryRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireUser(tx, context, input.UserName);
    const arn = await requireBoundaryPolicy(tx, context, input.PermissionsBoundary);
    await tx.updateTable('users').set({ boundary_arn: arn }).where('id', '=', row.id).execute();
  });
};

export const DeleteUserPermissionsBoundary: Handler<Input<DeleteUserPermissionsBoundaryRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireUser(tx, context, input.UserName);
    await tx.updateTable('users').set({ boundary_arn: null }).where('id', '=', row.id).execute();
  });
};
