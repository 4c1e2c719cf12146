/**
 * Service-linked roles (IAM UG, "Using service-linked roles"): roles a service creates for itself,
 * under the path `/aws-service-role/<service>/`, named `AWSServiceRoleFor<Service>` (plus
 * `_<CustomSuffix>`), trusted by that service only. Only CreateServiceLinkedRole and
 * DeleteServiceLinkedRole change them; every other role operation refuses with UnmodifiableEntity
 * (`assertModifiableRole`).
 */
import { randomUUID } from 'node:crypto';
import type {
  CreateServiceLinkedRoleRequest,
  CreateServiceLinkedRoleResponse,
  DeleteServiceLinkedRoleRequest,
  DeleteServiceLinkedRoleResponse,
  GetServiceLinkedRoleDeletionStatusRequest,
  GetServiceLinkedRoleDeletionStatusResponse,
} from '@aws-sdk/client-iam';
import { newId } from '../shared/ids.js';
import type { Row } from '../store/repos/named-entities.js';
import { isUniqueViolation } from '../store/store.js';
import type { Handler, Input, OperationContext } from './context.js';
import { InvalidInput, NoSuchEntity, UnmodifiableEntity } from './errors.js';
import { requireEntity } from './named-entities.js';
import { DEFAULT_MAX_SESSION_DURATION, toRole } from './roles.js';
import { dropTags } from './tags.js';

/** The path prefix every service-linked role lives under. */
export const SERVICE_LINKED_PATH = '/aws-service-role/';

/** Whether a role is service-linked: it lives under `/aws-service-role/`. */
export function isServiceLinkedRole(row: { readonly path: string }): boolean {
  return row.path.startsWith(SERVICE_LINKED_PATH);
}

/**
 * Refuses any change to a service-linked role other than through the service-linked operations,
 * in AWS's words (IAM UG, "Using service-linked roles": only the service may edit or delete it).
 * @example const row = await requireRole(tx, context, input.RoleName); assertModifiableRole(row);
 */
export function assertModifiableRole(row: { readonly path: string; readonly name: string }): void {
  if (isServiceLinkedRole(row)) {
    throw new UnmodifiableEntity(`Cannot perform the operation on the protected role '${row.name}' - this role is only modifiable by AWS`);
  }
}

/**
 * Role names of well-known services, as AWS names their service-linked roles, and whether the
 * service accepts a custom suffix (IAM UG, "AWS services that work with IAM"). Other services get
 * their principal's first label in title case.
 */
const KNOWN_SERVICES: Readonly<Record<string, { readonly name: string; readonly suffix: boolean }>> = {
  'autoscaling.amazonaws.com': { name: 'AutoScaling', suffix: true },
  'elasticbeanstalk.amazonaws.com': { name: 'ElasticBeanstalk', suffix: true },
  'ecs.amazonaws.com': { name: 'ECS', suffix: false },
  'es.amazonaws.com': { name: 'AmazonElasticsearchService', suffix: false },
  'spot.amazonaws.com': { name: 'EC2Spot', suffix: false },
  'elasticloadbalancing.amazonaws.com': { name: 'ElasticLoadBalancing', suffix: false },
  'rds.amazonaws.com': { name: 'RDS', suffix: false },
  'eks.amazonaws.com': { name: 'AmazonEKS', suffix: false },
  'organizations.amazonaws.com': { name: 'Organizations', suffix: false },
  'support.amazonaws.com': { name: 'Support', suffix: false },
  'trustedadvisor.amazonaws.com': { name: 'TrustedAdvisor', suffix: false },
  'cloudtrail.amazonaws.com': { name: 'CloudTrail', suffix: false },
  'config.amazonaws.com': { name: 'Config', suffix: false },
  'guardduty.amazonaws.com': { name: 'AmazonGuardDuty', suffix: false },
  'elasticache.amazonaws.com': { name: 'ElastiCache', suffix: false },
  'sso.amazonaws.com': { name: 'SSO', suffix: false },
};

const ROLE_NAME_MAX = 64;

/** The role name a service's service-linked role takes, or InvalidInput for a service that has none. */
export function serviceLinkedRoleName(service: string, customSuffix: string | undefined, context: OperationContext): string {
  const lower = service.toLowerCase();
  const known = KNOWN_SERVICES[lower];
  const ours = (context.config.servicePrincipals ?? []).some((p) => p.toLowerCase() === lower);
  if (!known && !ours && !/^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*\.amazonaws\.com$/.test(lower)) {
    throw new InvalidInput(`Invalid ServiceName: ${service}`);
  }
  if (customSuffix !== undefined && known && !known.suffix) throw new InvalidInput(`Custom suffix is not allowed for ${service}`);
  const short = known?.name ?? (lower.split('.')[0] ?? lower).split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
  const name = `AWSServiceRoleFor${short}${customSuffix === undefined ? '' : `_${customSuffix}`}`;
  if (name.length > ROLE_NAME_MAX) throw new InvalidInput(`Role name ${name} is longer than ${ROLE_NAME_MAX} characters; please try a shorter suffix.`);
  return name;
}

/** The trust policy of a service-linked role: only the service may assume it. */
function serviceTrust(service: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
}

export const CreateServiceLinkedRole: Handler<Input<CreateServiceLinkedRoleRequest>, CreateServiceLinkedRoleResponse> = async (input, context) => {
  const { store, caller, clock } = context;
  const service = input.AWSServiceName.toLowerCase();
  const name = serviceLinkedRoleName(service, input.CustomSuffix, context);
  const row: Row<'roles'> = {
    id: newId('role'),
    account_id: caller.accountId,
    name,
    name_lower: name.toLowerCase(),
    path: `${SERVICE_LINKED_PATH}${service}/`,
    created_at: new Date(clock.now()).toISOString(),
    trust_policy: serviceTrust(service),
    description: input.Description || null,
    max_session_duration: DEFAULT_MAX_SESSION_DURATION,
    boundary_arn: null,
    last_used_at: null,
    last_used_region: null,
  };
  try {
    await store.db.insertInto('roles').values(row).execute();
  } catch (error) {
    // AWS answers a taken name with InvalidInput, not EntityAlreadyExists (seen in the wild from Terraform's aws_iam_service_linked_role).
    if (isUniqueViolation(error)) throw new InvalidInput(`Service role name ${name} has been taken in this account, please try a different suffix.`);
    throw error;
  }
  return { Role: toRole(context, row) };
};

/** The settings key a deletion task is recorded under. */
function taskKey(taskId: string): string {
  return `service_linked_role_deletion/${taskId}`;
}

interface DeletionTask {
  readonly accountId: string;
  readonly status: 'SUCCEEDED';
}

/**
 * Deletes a service-linked role with everything attached to it, at once, and records the task as
 * SUCCEEDED: this server has no resources of the service that could still use the role.
 */
export const DeleteServiceLinkedRole: Handler<Input<DeleteServiceLinkedRoleRequest>, DeleteServiceLinkedRoleResponse> = async (input, context) => {
  const { store, caller } = context;
  return store.transaction(async (tx) => {
    const row = await requireEntity(tx, context, 'role', input.RoleName);
    if (!isServiceLinkedRole(row)) throw new NoSuchEntity(`Role ${row.name} is not a service-linked role.`);
    const service = row.path.slice(SERVICE_LINKED_PATH.length).replace(/\/$/, '');
    const taskId = `task${SERVICE_LINKED_PATH}${service}/${row.name}/${randomUUID()}`;
    await tx.deleteFrom('instance_profile_roles').where('role_id', '=', row.id).execute();
    await tx.deleteFrom('attachments').where('principal_type', '=', 'role').where('principal_id', '=', row.id).execute();
    await tx.deleteFrom('inline_policies').where('principal_type', '=', 'role').where('principal_id', '=', row.id).execute();
    await dropTags(tx, 'role', row.id);
    await tx.deleteFrom('roles').where('id', '=', row.id).execute();
    const task: DeletionTask = { accountId: caller.accountId, status: 'SUCCEEDED' };
    await tx.insertInto('settings').values({ key: taskKey(taskId), value: JSON.stringify(task) }).execute();
    return { DeletionTaskId: taskId };
  });
};

export const GetServiceLinkedRoleDeletionStatus: Handler<Input<GetServiceLinkedRoleDeletionStatusRequest>, GetServiceLinkedRoleDeletionStatusResponse> = async (input, context) => {
  const id = input.DeletionTaskId;
  if (!id.startsWith(`task${SERVICE_LINKED_PATH}`)) throw new InvalidInput(`Invalid deletion task id: ${id}`);
  const row = await context.store.db.selectFrom('settings').select('value').where('key', '=', taskKey(id)).executeTakeFirst();
  const task = row ? (JSON.parse(row.value) as DeletionTask) : undefined;
  if (!task || task.accountId !== context.caller.accountId) throw new NoSuchEntity(`Deletion task ${id} cannot be found.`);
  return { Status: task.status };
};
