/**
 * GetAccountAuthorizationDetails: every user, group, role and managed policy of the account with
 * the policies that shape its permissions, in one paged listing (IAM API Reference,
 * "GetAccountAuthorizationDetails").
 */
import type {
  EntityType,
  GetAccountAuthorizationDetailsRequest,
  GetAccountAuthorizationDetailsResponse,
  GroupDetail,
  ManagedPolicyDetail,
  RoleDetail,
  UserDetail,
} from '@aws-sdk/client-iam';
import { listPage, type NamedTable, type Row } from '../store/repos/named-entities.js';
import type { Db } from '../store/store.js';
import { attachedPolicies } from './attachments.js';
import { AWS_ACCOUNT } from './aws-managed.js';
import { boundaryMember } from './boundaries.js';
import type { Handler, Input, OperationContext } from './context.js';
import { InvalidInput, InvalidParameterValue } from './errors.js';
import { toGroup } from './groups.js';
import { inlinePolicies } from './inline-policies.js';
import { profilesOfRole, toInstanceProfile } from './instance-profiles.js';
import { policyUsage, principalsOf, toPolicy, toPolicyVersion, versionsOf } from './managed-policies.js';
import { pageRequest, pageResponse } from './paging.js';
import { toRole } from './roles.js';
import { tagsOf } from './tags.js';
import { toUser } from './users.js';

/** The sections of the listing, in the order they are paged through. */
const SECTIONS = ['User', 'Group', 'Role', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const satisfies readonly EntityType[];

/**
 * Pages through the sections in order, `limit` items in all; the marker is the section's index and
 * the sort key of the last item returned.
 */
class Pager {
  private remaining: number;
  private readonly section: number;
  private readonly after: string | undefined;
  next: string | undefined;

  constructor(input: { Marker?: string; MaxItems?: number }) {
    const { limit, after } = pageRequest(input);
    this.remaining = limit;
    const split = after?.indexOf(':') ?? -1;
    this.section = after === undefined ? 0 : Number(after.slice(0, split));
    if (after !== undefined && !(split > 0 && Number.isInteger(this.section) && this.section < SECTIONS.length)) throw new InvalidParameterValue('Invalid Marker.');
    this.after = after?.slice(split + 1);
  }

  /** The items of section `index` on this page; `fetch` returns up to `count` items after a key, in key order. */
  async take<T>(index: number, fetch: (after: string | undefined, count: number) => Promise<T[]>, key: (item: T) => string): Promise<T[]> {
    if (this.next !== undefined || index < this.section) return [];
    const after = index === this.section ? this.after : undefined;
    const rows = await fetch(after, this.remaining + 1);
    if (rows.length <= this.remaining) {
      this.remaining -= rows.length;
      return rows;
    }
    const items = rows.slice(0, this.remaining);
    const last = items[items.length - 1];
    this.next = `${index}:${last === undefined ? (after ?? '') : key(last)}`;
    this.remaining = 0;
    return items;
  }
}

/** A page of named entities of the account after a sort key. */
function named<T extends NamedTable>(db: Db, table: T, accountId: string) {
  return async (after: string | undefined, count: number): Promise<Row<T>[]> => (await listPage(db, table, accountId, { after, limit: count })).items;
}

async function userDetail(db: Db, context: OperationContext, row: Row<'users'>): Promise<UserDetail> {
  const [policies, groups, attached, tags] = await Promise.all([
    inlinePolicies(db, 'user', row.id),
    db.selectFrom('group_members').innerJoin('groups', 'groups.id', 'group_members.group_id').select('groups.name').where('group_members.user_id', '=', row.id).orderBy('groups.name_lower').execute(),
    attachedPolicies(db, 'user', row.id),
    tagsOf(db, 'user', row.id),
  ]);
  // The encoder writes only the members UserDetail has: toUser's PasswordLastUsed stays out.
  return { ...toUser(context, row), UserPolicyList: policies, GroupList: groups.map((g) => g.name), AttachedManagedPolicies: attached, Tags: tags };
}

async function groupDetail(db: Db, context: OperationContext, row: Row<'groups'>): Promise<GroupDetail> {
  const [policies, attached] = await Promise.all([inlinePolicies(db, 'group', row.id), attachedPolicies(db, 'group', row.id)]);
  return { ...toGroup(context, row), GroupPolicyList: policies, AttachedManagedPolicies: attached };
}

async function roleDetail(db: Db, context: OperationContext, row: Row<'roles'>): Promise<RoleDetail> {
  const [policies, attached, tags, profiles] = await Promise.all([
    inlinePolicies(db, 'role', row.id),
    attachedPolicies(db, 'role', row.id),
    tagsOf(db, 'role', row.id),
    profilesOfRole(db, row.id).orderBy('instance_profiles.name_lower').execute(),
  ]);
  const role = toRole(context, row);
  return {
    Path: role.Path,
    RoleName: role.RoleName,
    RoleId: role.RoleId,
    Arn: role.Arn,
    CreateDate: role.CreateDate,
    AssumeRolePolicyDocument: role.AssumeRolePolicyDocument,
    // An instance profile holds at most one role: this one.
    InstanceProfileList: profiles.map((p) => toInstanceProfile(context, p, [role])),
    RolePolicyList: policies,
    AttachedManagedPolicies: attached,
    ...boundaryMember(row.boundary_arn),
    Tags: tags,
    RoleLastUsed: {
      ...(row.last_used_at !== null && { LastUsedDate: new Date(row.last_used_at) }),
      ...(row.last_used_region !== null && { Region: row.last_used_region }),
    },
  };
}

async function policyDetails(db: Db, accountId: string, rows: readonly Row<'policies'>[]): Promise<ManagedPolicyDetail[]> {
  const usage = await policyUsage(db, accountId, rows);
  return Promise.all(
    rows.map(async (row) => {
      const versions = await versionsOf(db, row.id);
      return { ...toPolicy(row, usage.get(row.id)), PolicyVersionList: versions.map((v) => toPolicyVersion(row, v, true)) };
    }),
  );
}

/**
 * The account's own managed policies, or the AWS-managed ones it uses: AWS lists only those
 * attached to one of its principals or used as a boundary, not the whole catalogue.
 */
function managed(db: Db, accountId: string, aws: boolean) {
  return async (after: string | undefined, count: number): Promise<Row<'policies'>[]> => {
    let query = db.selectFrom('policies').selectAll().where('account_id', '=', aws ? AWS_ACCOUNT : accountId);
    if (aws) {
      query = query.where((eb) =>
        eb.or([
          eb('id', 'in', eb.selectFrom('attachments').select('policy_id').where('principal_id', 'in', principalsOf(db, accountId))),
          eb('arn', 'in', eb.selectFrom('users').select('boundary_arn').where('account_id', '=', accountId).where('boundary_arn', 'is not', null)),
          eb('arn', 'in', eb.selectFrom('roles').select('boundary_arn').where('account_id', '=', accountId).where('boundary_arn', 'is not', null)),
        ]),
      );
    }
    if (after !== undefined) query = query.where('arn', '>', after);
    return query.orderBy('arn').limit(count).execute();
  };
}

export const GetAccountAuthorizationDetails: Handler<Input<GetAccountAuthorizationDetailsRequest>, GetAccountAuthorizationDetailsResponse> = async (input, context) => {
  const db = context.store.db;
  const account = context.caller.accountId;
  const wanted = new Set<EntityType>(input.Filter?.length ? input.Filter : SECTIONS);
  const pager = new Pager(input);
  const take = <T>(section: (typeof SECTIONS)[number], fetch: (after: string | undefined, count: number) => Promise<T[]>, key: (item: T) => string): Promise<T[]> =>
    wanted.has(section) ? pager.take(SECTIONS.indexOf(section), fetch, key) : Promise.resolve([]);
  // In order: each section only takes what the ones before it left of the page.
  const users = await take('User', named(db, 'users', account), (row) => row.name_lower);
  const groups = await take('Group', named(db, 'groups', account), (row) => row.name_lower);
  const roles = await take('Role', named(db, 'roles', account), (row) => row.name_lower);
  const local = await take('LocalManagedPolicy', managed(db, account, false), (row) => row.arn);
  const aws = await take('AWSManagedPolicy', managed(db, account, true), (row) => row.arn);
  return {
    UserDetailList: await Promise.all(users.map((row) => userDetail(db, context, row))),
    GroupDetailList: await Promise.all(groups.map((row) => groupDetail(db, context, row))),
    RoleDetailList: await Promise.all(roles.map((row) => roleDetail(db, context, row))),
    Policies: await policyDetails(db, account, [...local, ...aws]),
    ...pageResponse(pager.next),
  };
};
