/**
 * Delegation requests (IAM API, "CreateDelegationRequest" and neighbours; IAM UG, "Temporary
 * delegation"): a partner account asks an owner account for temporary access under a policy
 * template. The life of a request:
 *
 *     UNASSIGNED --Associate--> ASSIGNED --Update(notes)--> PENDING_APPROVAL
 *     ASSIGNED | PENDING_APPROVAL --Accept--> ACCEPTED --SendDelegationToken--> FINALIZED
 *     UNASSIGNED | ASSIGNED | PENDING_APPROVAL | ACCEPTED --Reject--> REJECTED
 *     any open state, past its ExpirationTime --> EXPIRED
 *
 * A FINALIZED request's trade-in token buys the partner, once, temporary credentials of the identity
 * that accepted, narrowed by the request's policy (STS GetDelegatedAccessToken, in
 * src/sts/delegated-access-token.ts). Each transition is a conditional update on the state it
 * leaves, so two concurrent changes cannot both win: the loser gets ConcurrentModification.
 */
import { createHash, randomBytes } from 'node:crypto';
import type {
  AcceptDelegationRequestRequest,
  AssociateDelegationRequestRequest,
  CreateDelegationRequestRequest,
  CreateDelegationRequestResponse,
  DelegationRequest,
  GetDelegationRequestRequest,
  GetDelegationRequestResponse,
  GetHumanReadableSummaryRequest,
  GetHumanReadableSummaryResponse,
  ListDelegationRequestsRequest,
  ListDelegationRequestsResponse,
  PolicyParameter,
  RejectDelegationRequestRequest,
  SendDelegationTokenRequest,
  UpdateDelegationRequestRequest,
} from '@aws-sdk/client-iam';
import type { Selectable } from 'kysely';
import { AccessDenied } from '../authz/errors.js';
import { parse, type Condition, type MatchBlock, type Statement } from '../policy/index.js';
import { arn } from '../shared/arn.js';
import type { DelegationRequestsTable } from '../store/schema.js';
import type { Db } from '../store/store.js';
import type { Handler, Input, OperationContext } from './context.js';
import { ConcurrentModification, InvalidInput, NoSuchEntity } from './errors.js';
import { findPolicy } from './managed-policies.js';
import { pageSorted } from './paging.js';
import { checkDocument } from './policy-documents.js';

/** The states of the model's stateType. */
export const DELEGATION_STATES = ['UNASSIGNED', 'ASSIGNED', 'PENDING_APPROVAL', 'FINALIZED', 'ACCEPTED', 'REJECTED', 'EXPIRED'] as const;
export type DelegationState = (typeof DELEGATION_STATES)[number];

/** States a request can still move on from; past its expiration time such a request reads EXPIRED. */
const OPEN_STATES: readonly DelegationState[] = ['UNASSIGNED', 'ASSIGNED', 'PENDING_APPROVAL', 'ACCEPTED'];

/**
 * How long a request stays open. AWS does not publish the figure; a week leaves an owner time to
 * route it through an approver.
 */
export const DELEGATION_REQUEST_LIFETIME_SECONDS = 7 * 24 * 3600;

type Row = Selectable<DelegationRequestsTable>;

/** A trade-in token on its way to the partner's notification channel. */
export interface DelegationTokenNotification {
  readonly delegationRequestId: string;
  readonly notificationChannel: string;
  readonly requestorAccountId: string;
  readonly tradeInToken: string;
}

/** Delivers trade-in tokens to partners' notification channels. */
export type DelegationTokenDeliverer = (notification: DelegationTokenNotification) => void;

const deliverers = new Set<DelegationTokenDeliverer>();

/**
 * Registers a deliverer of trade-in tokens (an SNS publisher, a webhook, or a test) and answers
 * the function that unregisters it. AWS sends the token over the channel the partner named; this
 * server has no channel of its own, so whoever runs it plugs one in here. The token is never
 * stored in clear: a token sent while no deliverer listens is lost, and the owner rejects and the
 * partner asks again.
 */
export function onDelegationToken(deliverer: DelegationTokenDeliverer): () => void {
  deliverers.add(deliverer);
  return () => deliverers.delete(deliverer);
}

/** SHA-256 of a trade-in token, hex: how the store knows a token. */
export function tradeInTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The ARN of a delegation request: a resource of the partner's account. */
export function delegationRequestArn(partition: string, requestorAccountId: string, id: string): string {
  return arn(partition, 'iam', '', requestorAccountId, `delegation-request/${id}`);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The state a row is in now: an open request past its expiration time has expired. */
export function stateOf(row: Row, now: number): DelegationState {
  const state = row.state as DelegationState;
  return OPEN_STATES.includes(state) && Date.parse(row.expires_at) <= now ? 'EXPIRED' : state;
}

/** Whether the caller's account may see a request: the partner's, the owner's, or anyone's while no owner account is named. */
function visibleTo(row: Row, accountId: string): boolean {
  return row.requestor_account_id === accountId || row.owner_account_id === accountId || row.owner_account_id === null;
}

async function findRequest(db: Db, id: string): Promise<Row | undefined> {
  return db.selectFrom('delegation_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

const notFound = (id: string) => new NoSuchEntity(`The delegation request with id ${id} cannot be found.`);

/** A request the caller's account may see, or NoSuchEntity (a request of someone else is not revealed). */
async function requireVisible(db: Db, context: OperationContext, id: string): Promise<Row> {
  const row = await findRequest(db, id);
  if (!row || !visibleTo(row, context.caller.accountId)) throw notFound(id);
  return row;
}

/** A request the caller's account owns: only the owner account acts on it. */
async function requireOwned(db: Db, context: OperationContext, id: string): Promise<Row> {
  const row = await findRequest(db, id);
  if (!row || row.owner_account_id !== context.caller.accountId) throw notFound(id);
  return row;
}

/**
 * Moves a request from one of `from` to a new state with the given changes; answers the error
 * `refuse` makes when its current state does not allow it, and ConcurrentModification when
 * another call changed it in between.
 */
async function transition(
  context: OperationContext,
  row: Row,
  from: readonly DelegationState[],
  changes: Partial<Row> & { state: DelegationState },
  refuse: (state: DelegationState) => Error,
): Promise<void> {
  const now = context.clock.now();
  const state = stateOf(row, now);
  if (!from.includes(state)) throw refuse(state);
  const updated = await context.store.db
    .updateTable('delegation_requests')
    .set({ ...changes, updated_at: iso(now) })
    .where('id', '=', row.id)
    .where('state', '=', row.state)
    .where('updated_at', '=', row.updated_at)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) throw new ConcurrentModification(`The delegation request ${row.id} was changed by another request. Read it again and retry.`);
}

const invalidState = (verb: string) => (state: DelegationState) => new InvalidInput(`A delegation request in state ${state} cannot be ${verb}.`);

/**
 * The policy a template resolves to: the default version of the managed policy the template ARN
 * names, with each `{{Name}}` placeholder replaced by its parameter. A `"{{Name}}"` JSON string of
 * a stringList parameter becomes the list of its values.
 */
export function resolveTemplate(template: string, parameters: readonly Input<PolicyParameter>[]): string {
  let text = template;
  for (const parameter of parameters) {
    if (parameter.Name === undefined) throw new InvalidInput('Every policy parameter must have a Name.');
    const values = parameter.Values ?? [];
    const name = parameter.Name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (parameter.Type === 'stringList') text = text.replace(new RegExp(`"\\{\\{${name}\\}\\}"`, 'g'), () => JSON.stringify(values));
    text = text.replace(new RegExp(`\\{\\{${name}\\}\\}`, 'g'), () => JSON.stringify(values.join(',')).slice(1, -1));
  }
  const missing = /\{\{([^}]+)\}\}/.exec(text);
  if (missing) throw new InvalidInput(`The policy template needs a value for the parameter ${missing[1] ?? ''}.`);
  return text;
}

/** A row as the model's DelegationRequest. */
function toDelegationRequest(row: Row, now: number): DelegationRequest {
  const permissions = JSON.parse(row.permissions) as DelegationRequest['Permissions'];
  return {
    DelegationRequestId: row.id,
    ...(row.owner_account_id !== null && { OwnerAccountId: row.owner_account_id }),
    Description: row.description,
    ...(row.request_message !== null && { RequestMessage: row.request_message }),
    Permissions: permissions,
    PermissionPolicy: row.permission_policy,
    ...(row.owner_id !== null && { OwnerId: row.owner_id }),
    ...(row.approver_id !== null && { ApproverId: row.approver_id }),
    State: stateOf(row, now),
    ExpirationTime: new Date(row.expires_at),
    RequestorId: row.requestor_account_id,
    ...(row.requestor_name !== null && { RequestorName: row.requestor_name }),
    CreateDate: new Date(row.created_at),
    SessionDuration: row.session_duration,
    ...(row.redirect_url !== null && { RedirectUrl: row.redirect_url }),
    ...(row.notes !== null && { Notes: row.notes }),
    ...(row.rejection_reason !== null && { RejectionReason: row.rejection_reason }),
    OnlySendByOwner: row.only_send_by_owner === 1,
    UpdatedTime: new Date(row.updated_at),
  };
}

export const CreateDelegationRequest: Handler<Input<CreateDelegationRequestRequest>, CreateDelegationRequestResponse> = async (input, context) => {
  const { caller, clock, store } = context;
  const templateArn = input.Permissions.PolicyTemplateArn;
  if (templateArn === undefined) throw new InvalidInput('Permissions must name a PolicyTemplateArn.');
  const template = await findPolicy(store.db, context, templateArn);
  if (!template) throw new InvalidInput(`The policy template ${templateArn} does not exist.`);
  const version = await store.db.selectFrom('policy_versions').select('document').where('policy_id', '=', template.id).where('version_id', '=', template.default_version_id).executeTakeFirstOrThrow();
  const policy = resolveTemplate(version.document, input.Permissions.Parameters ?? []);
  // The resolved policy becomes a session policy of the delegated credentials.
  checkDocument(policy, 'session');
  const now = clock.now();
  const id = `dr-${randomBytes(16).toString('hex')}`;
  const row: Row = {
    id,
    requestor_account_id: caller.accountId,
    requestor_name: (caller.userName ?? caller.session?.name ?? null)?.slice(0, 30) ?? null,
    owner_account_id: input.OwnerAccountId ?? null,
    owner_id: null,
    approver_id: null,
    approver_kind: null,
    approver_entity_id: null,
    state: 'UNASSIGNED',
    description: input.Description,
    request_message: input.RequestMessage ?? null,
    permissions: JSON.stringify(input.Permissions),
    permission_policy: policy,
    requestor_workflow_id: input.RequestorWorkflowId,
    redirect_url: input.RedirectUrl ?? null,
    notification_channel: input.NotificationChannel,
    session_duration: input.SessionDuration,
    only_send_by_owner: input.OnlySendByOwner ? 1 : 0,
    notes: null,
    rejection_reason: null,
    token_hash: null,
    token_used_at: null,
    created_at: iso(now),
    updated_at: iso(now),
    expires_at: iso(now + DELEGATION_REQUEST_LIFETIME_SECONDS * 1000),
  };
  await store.db.insertInto('delegation_requests').values(row).execute();
  // Where the owner reviews the request: the console's page for it.
  return { DelegationRequestId: id, ConsoleDeepLink: `/console/#/delegation-requests/${id}` };
};

export const GetDelegationRequest: Handler<Input<GetDelegationRequestRequest>, GetDelegationRequestResponse> = async (input, context) => {
  const row = await requireVisible(context.store.db, context, input.DelegationRequestId);
  const now = context.clock.now();
  const result: GetDelegationRequestResponse = { DelegationRequest: toDelegationRequest(row, now) };
  if (input.DelegationPermissionCheck) {
    // Whether the caller itself could grant what the policy asks: each Allow statement's actions on its resources.
    const allowed = await callerCanGrant(context, row.permission_policy);
    result.PermissionCheckStatus = 'COMPLETE';
    result.PermissionCheckResult = allowed === undefined ? 'UNSURE' : allowed ? 'ALLOWED' : 'DENIED';
  }
  return result;
};

/** Whether the caller is allowed every action the policy allows, on its resources; undefined when wildcards or Not-elements make it unknowable. */
async function callerCanGrant(context: OperationContext, policyText: string): Promise<boolean | undefined> {
  const policy = parse(policyText);
  for (const statement of policy.statements) {
    if (statement.effect !== 'Allow') continue;
    if (!statement.action || statement.action.not || !statement.resource || statement.resource.not) return undefined;
    for (const action of statement.action.values) {
      if (/[*?]/.test(action)) return undefined;
      for (const resource of statement.resource.values) {
        const request = { caller: context.caller, action, resource, context: { ...context.requestContext } };
        const decision = await context.authorizer.decide(request);
        if (decision.decision !== 'Allow') return false;
      }
    }
  }
  return true;
}

export const ListDelegationRequests: Handler<Input<ListDelegationRequestsRequest>, ListDelegationRequestsResponse> = async (input, context) => {
  const account = context.caller.accountId;
  let query = context.store.db
    .selectFrom('delegation_requests')
    .selectAll()
    .where((eb) => eb.or([eb('owner_account_id', '=', account), eb('requestor_account_id', '=', account)]));
  if (input.OwnerId !== undefined) query = query.where('owner_id', '=', input.OwnerId);
  const rows = await query.orderBy('id').execute();
  const now = context.clock.now();
  const page = pageSorted(rows, input, (row) => row.id);
  return {
    DelegationRequests: page.items.map((row) => toDelegationRequest(row, now)),
    isTruncated: page.response.IsTruncated,
    ...(page.response.Marker !== undefined && { Marker: page.response.Marker }),
  };
};

export const AssociateDelegationRequest: Handler<Input<AssociateDelegationRequestRequest>, void> = async (input, context) => {
  const { caller } = context;
  const row = await findRequest(context.store.db, input.DelegationRequestId);
  // Named at creation, only that account may take it; otherwise any account may (IAM API, "AssociateDelegationRequest").
  if (!row || (row.owner_account_id !== null && row.owner_account_id !== caller.accountId)) throw notFound(input.DelegationRequestId);
  await transition(context, row, ['UNASSIGNED'], { state: 'ASSIGNED', owner_id: caller.arn, owner_account_id: caller.accountId }, invalidState('associated'));
};

export const UpdateDelegationRequest: Handler<Input<UpdateDelegationRequestRequest>, void> = async (input, context) => {
  const row = await requireOwned(context.store.db, context, input.DelegationRequestId);
  // Notes for the approver send an assigned request for approval.
  await transition(context, row, ['ASSIGNED', 'PENDING_APPROVAL'], { state: 'PENDING_APPROVAL', notes: input.Notes ?? row.notes }, invalidState('updated'));
};

export const AcceptDelegationRequest: Handler<Input<AcceptDelegationRequestRequest>, void> = async (input, context) => {
  const { caller } = context;
  const row = await requireOwned(context.store.db, context, input.DelegationRequestId);
  // The accepting identity is the one the delegated credentials act as (IAM API, "AcceptDelegationRequest");
  // the root has no session of its own to lend, so an IAM user or role accepts.
  const kind = caller.type === 'user' ? 'user' : caller.type === 'assumed-role' ? 'assumed-role' : undefined;
  if (kind === undefined) throw new AccessDenied('A delegation request is accepted by an IAM user or an IAM role session of the owner account.');
  // AcceptDelegationRequest lists no InvalidInput: a request that is no longer acceptable has changed under the caller.
  const refuse = (state: DelegationState) => new ConcurrentModification(`The delegation request is in state ${state} and cannot be accepted.`);
  await transition(context, row, ['ASSIGNED', 'PENDING_APPROVAL'], { state: 'ACCEPTED', approver_id: caller.arn, approver_kind: kind, approver_entity_id: caller.entityId }, refuse);
};

export const RejectDelegationRequest: Handler<Input<RejectDelegationRequestRequest>, void> = async (input, context) => {
  const row = await requireOwned(context.store.db, context, input.DelegationRequestId);
  // An accepted request may still be rejected until its token is sent (IAM API, "SendDelegationToken").
  await transition(context, row, OPEN_STATES, { state: 'REJECTED', rejection_reason: input.Notes ?? null, approver_id: context.caller.arn }, invalidState('rejected'));
};

export const SendDelegationToken: Handler<Input<SendDelegationTokenRequest>, void> = async (input, context) => {
  const { caller } = context;
  const row = await requireOwned(context.store.db, context, input.DelegationRequestId);
  if (row.only_send_by_owner === 1 && row.owner_id !== caller.arn) {
    throw new AccessDenied(`Only the owner of delegation request ${row.id} may send its token.`);
  }
  const token = `DPdt${randomBytes(48).toString('base64url')}`;
  // FINALIZED cannot be rolled back (IAM API, "SendDelegationToken").
  await transition(context, row, ['ACCEPTED'], { state: 'FINALIZED', token_hash: tradeInTokenHash(token) }, invalidState('sent a token'));
  const notification: DelegationTokenNotification = { delegationRequestId: row.id, notificationChannel: row.notification_channel, requestorAccountId: row.requestor_account_id, tradeInToken: token };
  for (const deliver of deliverers) deliver(notification);
};

/** Locales the summary is written in. */
const SUMMARY_LOCALES = /^en([-_][A-Za-z]{2})?$/;

export const GetHumanReadableSummary: Handler<Input<GetHumanReadableSummaryRequest>, GetHumanReadableSummaryResponse> = async (input, context) => {
  // Only delegation requests have summaries (IAM API, "GetHumanReadableSummary").
  const m = /^arn:([^:]+):iam::(\d{12}):delegation-request\/([\w-]+)$/.exec(input.EntityArn);
  if (!m || m[1] !== context.config.partition) throw new InvalidInput(`${input.EntityArn} is not the ARN of a delegation request.`);
  const row = await requireVisible(context.store.db, context, m[3] ?? '');
  if (row.requestor_account_id !== m[2]) throw notFound(m[3] ?? '');
  const locale = input.Locale ?? 'en';
  if (!SUMMARY_LOCALES.test(locale)) return { Locale: locale, SummaryState: 'NOT_SUPPORTED' };
  return { SummaryContent: summarize(row), Locale: locale, SummaryState: 'AVAILABLE' };
};

/** A delegation request in plain words: who asks, for how long, and one sentence per statement. */
export function summarize(row: Pick<Row, 'requestor_account_id' | 'session_duration' | 'permission_policy'>): string {
  const lines = [`Account ${row.requestor_account_id} requests temporary access for up to ${duration(row.session_duration)}.`];
  for (const statement of parse(row.permission_policy).statements) lines.push(describeStatement(statement));
  return lines.join('\n');
}

function duration(seconds: number): string {
  const units: [number, string][] = [[3600, 'hour'], [60, 'minute'], [1, 'second']];
  const parts: string[] = [];
  let left = seconds;
  for (const [size, name] of units) {
    const n = Math.floor(left / size);
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
    left -= n * size;
  }
  return parts.join(' ');
}

/** `a`, `a and b`, `a, b and c`. */
function list(values: readonly string[]): string {
  if (values.length <= 1) return values[0] ?? '';
  return `${values.slice(0, -1).join(', ')} and ${values[values.length - 1] ?? ''}`;
}

function describeBlock(block: MatchBlock | undefined, every: string): string {
  if (!block) return every;
  const named = block.values.includes('*') ? [] : block.values;
  if (block.not) return named.length === 0 ? 'nothing' : `${every} except ${list(named)}`;
  return named.length === 0 ? every : list(named);
}

const OPERATOR_WORDS: Readonly<Record<string, string>> = {
  stringequals: 'is',
  stringnotequals: 'is not',
  stringequalsignorecase: 'is (ignoring case)',
  stringlike: 'matches',
  stringnotlike: 'does not match',
  arnequals: 'is',
  arnlike: 'matches',
  arnnotequals: 'is not',
  arnnotlike: 'does not match',
  numericequals: 'equals',
  numericlessthan: 'is less than',
  numericlessthanequals: 'is at most',
  numericgreaterthan: 'is greater than',
  numericgreaterthanequals: 'is at least',
  datelessthan: 'is before',
  dategreaterthan: 'is after',
  bool: 'is',
  ipaddress: 'is in',
  notipaddress: 'is not in',
  null: 'is absent:',
};

function describeCondition(condition: Condition): string {
  const base = condition.operator.replace(/^(ForAllValues|ForAnyValue):/i, '').replace(/IfExists$/i, '');
  const words = OPERATOR_WORDS[base.toLowerCase()] ?? `satisfies ${condition.operator}`;
  const values = condition.values.length > 1 ? `one of ${list(condition.values)}` : (condition.values[0] ?? '');
  return `${condition.key} ${words} ${values}`;
}

/** "Allows <actions> on <resources> [when <conditions>]." */
function describeStatement(statement: Statement): string {
  const verb = statement.effect === 'Allow' ? 'Allows' : 'Denies';
  const actions = describeBlock(statement.action, 'all actions');
  const resources = describeBlock(statement.resource, 'all resources');
  const when = statement.conditions.length > 0 ? ` when ${statement.conditions.map(describeCondition).join(' and ')}` : '';
  return `${verb} ${actions} on ${resources}${when}.`;
}
