/**
 * Managed policies and their versions: create, read, list, version, tag, delete (IAM API Reference,
 * "CreatePolicy", "CreatePolicyVersion" and neighbours). Customer managed policies belong to the
 * caller's account; AWS-managed ones (account `aws`) are readable and attachable by every account,
 * but no account may change them.
 */
import type {
  CreatePolicyRequest,
  CreatePolicyResponse,
  CreatePolicyVersionRequest,
  CreatePolicyVersionResponse,
  DeletePolicyRequest,
  DeletePolicyVersionRequest,
  GetPolicyRequest,
  GetPolicyResponse,
  GetPolicyVersionRequest,
  GetPolicyVersionResponse,
  ListPoliciesRequest,
  ListPoliciesResponse,
  ListPolicyTagsRequest,
  ListPolicyTagsResponse,
  ListPolicyVersionsRequest,
  ListPolicyVersionsResponse,
  Policy,
  PolicyVersion,
  SetDefaultPolicyVersionRequest,
  TagPolicyRequest,
  UntagPolicyRequest,
} from '@aws-sdk/client-iam';
import { sql, type Selectable } from 'kysely';
import { AccessDenied } from '../authz/errors.js';
import { newId } from '../shared/ids.js';
import { pageOf, type Row } from '../store/repos/named-entities.js';
import type { PolicyVersionsTable } from '../store/schema.js';
import { isUniqueViolation, type Db } from '../store/store.js';
import { entityArn } from './arns.js';
import { AWS_ACCOUNT } from './aws-managed.js';
import type { Handler, Input, OperationContext } from './context.js';
import { DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity } from './errors.js';
import { pageItems, pageRequest, pageResponse } from './paging.js';
import { checkDocument, decodeDocument, encodeDocument } from './policy-documents.js';
import { dropTags, listTagsPage, putTags, removeTags, tagsOf } from './tags.js';

/** Versions a managed policy may have (IAM UG, "IAM and AWS STS quotas"). */
export const MAX_POLICY_VERSIONS = 5;

/** Largest managed policy, in characters that are not white space. */
export const MANAGED_POLICY_SIZE = 6144;

type VersionRow = Selectable<PolicyVersionsTable>;

/** A managed policy the caller's account can see (its own or an AWS-managed one), if there is one by that ARN. */
export function findPolicy(db: Db, context: OperationContext, policyArn: string): Promise<Row<'policies'> | undefined> {
  return db.selectFrom('policies').selectAll().where('arn', '=', policyArn).where('account_id', 'in', [context.caller.accountId, AWS_ACCOUNT]).executeTakeFirst();
}

/** A managed policy the caller's account can see (its own or an AWS-managed one), or NoSuchEntity as AWS words it. */
export async function requirePolicy(db: Db, context: OperationContext, policyArn: string): Promise<Row<'policies'>> {
  const row = await findPolicy(db, context, policyArn);
  if (!row) throw new NoSuchEntity(`Policy ${policyArn} does not exist or is not attachable.`);
  return row;
}

/** A customer managed policy of the caller's account, which it may change. */
async function requireOwnPolicy(db: Db, context: OperationContext, policyArn: string): Promise<Row<'policies'>> {
  const row = await requirePolicy(db, context, policyArn);
  if (row.account_id === AWS_ACCOUNT) throw new AccessDenied(`Policy ${policyArn} is managed by AWS: an account cannot modify or delete it.`);
  return row;
}

/** A stored version, or NoSuchEntity. */
async function requireVersion(db: Db, policy: Row<'policies'>, versionId: string): Promise<VersionRow> {
  const row = await db.selectFrom('policy_versions').selectAll().where('policy_id', '=', policy.id).where('version_id', '=', versionId).executeTakeFirst();
  if (!row) throw new NoSuchEntity(`Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`);
  return row;
}

/** How often a policy is in use in one account: attached to principals, and as a permissions boundary. */
export interface PolicyUsage {
  readonly attachments: number;
  readonly boundaries: number;
}

/** The ids of an account's users, groups and roles (ids are unique across kinds), as a subquery. */
export function principalsOf(db: Db, accountId: string) {
  return db
    .selectFrom('users')
    .select('id')
    .where('account_id', '=', accountId)
    .union(db.selectFrom('groups').select('id').where('account_id', '=', accountId))
    .union(db.selectFrom('roles').select('id').where('account_id', '=', accountId));
}

/** The usage of each given policy within the caller's account (AWS-managed policies are shared, their counts are not). */
export async function policyUsage(db: Db, accountId: string, policies: readonly Row<'policies'>[]): Promise<Map<string, PolicyUsage>> {
  const usage = new Map<string, PolicyUsage>(policies.map((p) => [p.id, { attachments: 0, boundaries: 0 }]));
  if (policies.length === 0) return usage;
  const ids = policies.map((p) => p.id);
  const arns = policies.map((p) => p.arn);
  const attached = await db
    .selectFrom('attachments')
    .select(['policy_id as id', (eb) => eb.fn.countAll<string | number>().as('count')])
    .where('principal_id', 'in', principalsOf(db, accountId))
    .where('policy_id', 'in', ids)
    .groupBy('policy_id')
    .execute();
  const bounded = await Promise.all(
    (['users', 'roles'] as const).map((table) =>
      db
        .selectFrom(table)
        .select(['boundary_arn as arn', (eb) => eb.fn.countAll<string | number>().as('count')])
        .where('account_id', '=', accountId)
        .where('boundary_arn', 'in', arns)
        .groupBy('boundary_arn')
        .execute(),
    ),
  );
  const byArn = new Map(policies.map((p) => [p.arn, p.id]));
  const add = (id: string | undefined, field: keyof PolicyUsage, count: string | number) => {
    const current = id === undefined ? undefined : usage.get(id);
    if (id !== undefined && current) usage.set(id, { ...current, [field]: current[field] + Number(count) });
  };
  for (const row of attached) add(row.id, 'attachments', row.count);
  for (const row of bounded.flat()) add(row.arn === null ? undefined : byArn.get(row.arn), 'boundaries', row.count);
  return usage;
}

/** A managed policy as the API shows it. */
export function toPolicy(row: Row<'policies'>, usage: PolicyUsage | undefined, extra: Partial<Policy> = {}): Policy {
  return {
    PolicyName: row.name,
    PolicyId: row.id,
    Arn: row.arn,
    Path: row.path,
    DefaultVersionId: row.default_version_id,
    AttachmentCount: usage?.attachments ?? 0,
    PermissionsBoundaryUsageCount: usage?.boundaries ?? 0,
    IsAttachable: true,
    ...(row.description !== null && { Description: row.description }),
    CreateDate: new Date(row.created_at),
    UpdateDate: new Date(row.updated_at),
    ...extra,
  };
}

/** A stored version as the API shows it; the document URL-encoded, as AWS returns it. */
export function toPolicyVersion(policy: Row<'policies'>, row: VersionRow, withDocument: boolean): PolicyVersion {
  return {
    ...(withDocument && { Document: encodeDocument(row.document) }),
    VersionId: row.version_id,
    IsDefaultVersion: row.version_id === policy.default_version_id,
    CreateDate: new Date(row.created_at),
  };
}

/** Every version of a policy, newest first as AWS lists them. */
export async function versionsOf(db: Db, policyId: string): Promise<VersionRow[]> {
  const rows = await db.selectFrom('policy_versions').selectAll().where('policy_id', '=', policyId).execute();
  return rows.sort((a, b) => versionNumber(b.version_id) - versionNumber(a.version_id));
}

function versionNumber(versionId: string): number {
  return Number(/^v(\d+)/.exec(versionId)?.[1] ?? 0);
}

/** Validates a managed policy document the client sent and returns it as stored. */
function managedDocument(text: string): string {
  const document = decodeDocument(text);
  checkDocument(document, 'identity', MANAGED_POLICY_SIZE);
  return document;
}

export const CreatePolicy: Handler<Input<CreatePolicyRequest>, CreatePolicyResponse> = async (input, context) => {
  const { store, caller, clock } = context;
  const document = managedDocument(input.PolicyDocument);
  const path = input.Path ?? '/';
  const now = new Date(clock.now()).toISOString();
  const row: Row<'policies'> = {
    id: newId('policy'),
    account_id: caller.accountId,
    name: input.PolicyName,
    name_lower: input.PolicyName.toLowerCase(),
    path,
    created_at: now,
    arn: entityArn(context, 'policy', path, input.PolicyName),
    description: input.Description ?? null,
    default_version_id: 'v1',
    next_version: 2,
    updated_at: now,
  };
  try {
    await store.transaction(async (tx) => {
      await tx.insertInto('policies').values(row).execute();
      await tx.insertInto('policy_versions').values({ policy_id: row.id, version_id: 'v1', document, created_at: now }).execute();
      await putTags(tx, 'policy', row.id, input.Tags);
    });
  } catch (error) {
    // The ARN is unique too: the same name under another path is still the same name to AWS.
    if (isUniqueViolation(error)) throw new EntityAlreadyExists(`A policy called ${input.PolicyName} already exists. Duplicate names are not allowed.`);
    throw error;
  }
  return { Policy: toPolicy(row, undefined, input.Tags?.length ? { Tags: input.Tags } : {}) };
};

export const GetPolicy: Handler<Input<GetPolicyRequest>, GetPolicyResponse> = async (input, context) => {
  const db = context.store.db;
  const row = await requirePolicy(db, context, input.PolicyArn);
  const [usage, tags] = await Promise.all([policyUsage(db, context.caller.accountId, [row]), tagsOf(db, 'policy', row.id)]);
  return { Policy: toPolicy(row, usage.get(row.id), tags.length ? { Tags: tags } : {}) };
};

export const ListPolicies: Handler<Input<ListPoliciesRequest>, ListPoliciesResponse> = async (input, context) => {
  const db = context.store.db;
  const account = context.caller.accountId;
  const { limit, after } = pageRequest(input);
  const scope = input.Scope ?? 'All';
  let query = db
    .selectFrom('policies')
    .selectAll()
    .where('account_id', 'in', scope === 'All' ? [account, AWS_ACCOUNT] : [scope === 'AWS' ? AWS_ACCOUNT : account]);
  const prefix = input.PathPrefix;
  if (prefix && prefix !== '/') query = query.where(sql<boolean>`substr(path, 1, ${prefix.length}) = ${prefix}`);
  if (input.OnlyAttached) {
    // "Attached" means in use in this account: as a permissions policy, a boundary, or either
    // when PolicyUsageFilter does not say (IAM API, "ListPolicies").
    const used = await usedPolicyIds(db, account, input.PolicyUsageFilter);
    if (used.length === 0) return { Policies: [], IsTruncated: false };
    query = query.where('id', 'in', used);
  }
  // The ARN is unique across accounts, so it is the sort key and the marker.
  if (after !== undefined) query = query.where('arn', '>', after);
  const page = pageOf(await query.orderBy('arn').limit(limit + 1).execute(), limit, (row) => row.arn);
  const usage = await policyUsage(db, account, page.items);
  return { Policies: page.items.map((row) => toPolicy(row, usage.get(row.id))), ...pageResponse(page.next) };
};

/** Ids of the policies in use in an account, as permissions policies, boundaries, or both. */
async function usedPolicyIds(db: Db, accountId: string, filter: string | undefined): Promise<string[]> {
  const ids = new Set<string>();
  if (filter !== 'PermissionsBoundary') {
    const rows = await db.selectFrom('attachments').select('policy_id').distinct().where('principal_id', 'in', principalsOf(db, accountId)).execute();
    for (const row of rows) ids.add(row.policy_id);
  }
  if (filter !== 'PermissionsPolicy') {
    for (const table of ['users', 'roles'] as const) {
      const rows = await db
        .selectFrom(table)
        .innerJoin('policies', 'policies.arn', `${table}.boundary_arn`)
        .select('policies.id')
        .distinct()
        .where(`${table}.account_id`, '=', accountId)
        .execute();
      for (const row of rows) ids.add(row.id);
    }
  }
  return [...ids];
}

export const DeletePolicy: Handler<Input<DeletePolicyRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireOwnPolicy(tx, context, input.PolicyArn);
    // AWS refuses while the policy is in use anywhere, boundaries included (IAM API, "DeletePolicy").
    const usage = (await policyUsage(tx, context.caller.accountId, [row])).get(row.id);
    if (usage && usage.attachments + usage.boundaries > 0) throw new DeleteConflict('Cannot delete a policy attached to entities.');
    const versions = await tx.selectFrom('policy_versions').select('version_id').where('policy_id', '=', row.id).execute();
    if (versions.length > 1) {
      throw new DeleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
    }
    await dropTags(tx, 'policy', row.id);
    await tx.deleteFrom('policy_versions').where('policy_id', '=', row.id).execute();
    await tx.deleteFrom('policies').where('id', '=', row.id).execute();
  });
};

export const CreatePolicyVersion: Handler<Input<CreatePolicyVersionRequest>, CreatePolicyVersionResponse> = async (input, context) => {
  const document = managedDocument(input.PolicyDocument);
  const now = new Date(context.clock.now()).toISOString();
  return context.store.transaction(async (tx) => {
    const policy = await requireOwnPolicy(tx, context, input.PolicyArn);
    const count = await tx.selectFrom('policy_versions').select((eb) => eb.fn.countAll<string | number>().as('count')).where('policy_id', '=', policy.id).executeTakeFirstOrThrow();
    if (Number(count.count) >= MAX_POLICY_VERSIONS) {
      throw new LimitExceeded('A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.');
    }
    const versionId = `v${policy.next_version}`;
    const updated: Row<'policies'> = {
      ...policy,
      next_version: policy.next_version + 1,
      updated_at: now,
      default_version_id: input.SetAsDefault ? versionId : policy.default_version_id,
    };
    // Bumping next_version on the policy row makes concurrent creates conflict on that row, so
    // exactly one of them takes each number and the quota is read after the winner's insert.
    await tx.updateTable('policies').set({ next_version: updated.next_version, updated_at: now, default_version_id: updated.default_version_id }).where('id', '=', policy.id).execute();
    const version: VersionRow = { policy_id: policy.id, version_id: versionId, document, created_at: now };
    await tx.insertInto('policy_versions').values(version).execute();
    return { PolicyVersion: toPolicyVersion(updated, version, false) };
  });
};

export const GetPolicyVersion: Handler<Input<GetPolicyVersionRequest>, GetPolicyVersionResponse> = async (input, context) => {
  const db = context.store.db;
  const policy = await requirePolicy(db, context, input.PolicyArn);
  const version = await requireVersion(db, policy, input.VersionId);
  return { PolicyVersion: toPolicyVersion(policy, version, true) };
};

export const ListPolicyVersions: Handler<Input<ListPolicyVersionsRequest>, ListPolicyVersionsResponse> = async (input, context) => {
  const db = context.store.db;
  const policy = await requirePolicy(db, context, input.PolicyArn);
  const page = pageItems(await versionsOf(db, policy.id), input, (v) => v.version_id);
  return { Versions: page.items.map((v) => toPolicyVersion(policy, v, false)), ...page.response };
};

export const DeletePolicyVersion: Handler<Input<DeletePolicyVersionRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const policy = await requireOwnPolicy(tx, context, input.PolicyArn);
    await requireVersion(tx, policy, input.VersionId);
    if (policy.default_version_id === input.VersionId) throw new DeleteConflict('Cannot delete the default version of a policy.');
    await tx.deleteFrom('policy_versions').where('policy_id', '=', policy.id).where('version_id', '=', input.VersionId).execute();
  });
};

export const SetDefaultPolicyVersion: Handler<Input<SetDefaultPolicyVersionRequest>, void> = async (input, context) => {
  const now = new Date(context.clock.now()).toISOString();
  await context.store.transaction(async (tx) => {
    const policy = await requireOwnPolicy(tx, context, input.PolicyArn);
    await requireVersion(tx, policy, input.VersionId);
    await tx.updateTable('policies').set({ default_version_id: input.VersionId, updated_at: now }).where('id', '=', policy.id).execute();
  });
};

export const TagPolicy: Handler<Input<TagPolicyRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireOwnPolicy(tx, context, input.PolicyArn);
    await putTags(tx, 'policy', row.id, input.Tags);
  });
};

export const UntagPolicy: Handler<Input<UntagPolicyRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireOwnPolicy(tx, context, input.PolicyArn);
    await removeTags(tx, 'policy', row.id, input.TagKeys);
  });
};

export const ListPolicyTags: Handler<Input<ListPolicyTagsRequest>, ListPolicyTagsResponse> = async (input, context) => {
  const row = await requirePolicy(context.store.db, context, input.PolicyArn);
  return listTagsPage(context.store.db, 'policy', row.id, input);
};
