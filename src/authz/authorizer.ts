/**
 * The one authorization point: an authenticated caller, an action and a resource become a policy
 * evaluation. Compiled policy sets are cached per principal (per session, for temporary
 * credentials) and dropped when anything in the principal's account changes (the store's change
 * feed, which other nodes also hear).
 */
import { compile, evaluate, type CompiledPolicySet, type ContextValue, type Decision, type NamedPolicy, type PolicySet } from '../policy/index.js';
import type { Caller } from '../iam/context.js';
import { isoTime, type Clock } from '../shared/clock.js';
import type { Sealer } from '../shared/seal.js';
import type { Store } from '../store/store.js';
import { encodeAuthorizationMessage } from './authorization-message.js';
import { AccessDenied } from './errors.js';
import { rolePolicySet, userPolicySet } from './policies.js';

/** What the cache keeps per principal. */
interface Entry {
  readonly version: number;
  readonly madeAt: number;
  readonly set: PolicySet;
  readonly compiled: CompiledPolicySet;
  /** The condition keys that describe the principal, its tags included: the same for every request it makes. */
  readonly principal: Readonly<Record<string, ContextValue>>;
}

/** A question to the authorizer. */
export interface AuthorizationRequest {
  readonly caller: Caller;
  readonly action: string;
  readonly resource: string;
  /** Condition keys of the request (aws:SourceIp, aws:CurrentTime, iam:PolicyARN…). */
  readonly context: Record<string, ContextValue>;
  /** A resource-based policy that applies besides the caller's own (a role's trust policy). */
  readonly resourcePolicy?: NamedPolicy;
}

const REASONS = {
  identity: 'no identity-based policy allows',
  boundary: 'no permissions boundary allows',
  session: 'no session policy allows',
  resource: 'no resource-based policy allows',
} as const;

/** A federated user's session without a session policy may do nothing (STS API, "GetFederationToken"). */
const NOTHING: NamedPolicy = { name: 'no-session-policy', document: '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"none:none","Resource":"*"}}' };

/** What the root's identity allows, for an AssumeRoot session whose task policy then narrows it. */
const EVERYTHING: NamedPolicy = { name: 'root', document: '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}' };

export class Authorizer {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly sealer: Sealer,
  ) {}

  /** The decision for a request; the root of an account may do anything in it. */
  async decide(request: AuthorizationRequest): Promise<Decision> {
    const { caller } = request;
    // An AssumeRoot session is the root too, but held to its task policy: it is evaluated like a session.
    if (caller.type === 'root' && request.resourcePolicy === undefined && caller.session === undefined) return { decision: 'Allow', matched: [] };
    const entry = await this.entry(caller);
    const compiled = request.resourcePolicy ? compile({ ...entry.set, resource: request.resourcePolicy }) : entry.compiled;
    return evaluate({ principal: caller.arn, action: request.action, resource: request.resource, context: [entry.principal, request.context] }, compiled);
  }

  /** Decides, and throws AccessDenied in AWS's words unless allowed. */
  async authorize(request: AuthorizationRequest): Promise<void> {
    const decision = await this.decide(request);
    if (decision.decision === 'Allow') return;
    throw this.denial(request, decision);
  }

  /** AccessDenied for a decision, in AWS's words, with the encoded explanation of it appended. */
  denial(request: AuthorizationRequest, decision: Decision): Error {
    const { caller } = request;
    const encoded = encodeAuthorizationMessage(this.sealer, { principalId: caller.userId, principalArn: caller.arn, action: request.action, resource: request.resource, context: request.context }, decision);
    return new AccessDenied(`${denialMessage(request, decision)}. Encoded authorization failure message: ${encoded}`, decision);
  }

  private async entry(caller: Caller): Promise<Entry> {
    const { changes } = this.store;
    // Read before loading: a change during the load leaves the entry already stale, never wrongly fresh.
    const version = changes.version(caller.accountId);
    const now = this.clock.now();
    const key = caller.session ? caller.accessKeyId : caller.entityId;
    const cached = this.cache.get(key);
    if (cached && changes.fresh(caller.accountId, cached.version, cached.madeAt, now)) return cached;
    const set = await this.policySet(caller);
    const owner = caller.type === 'assumed-role' ? 'role' : 'user';
    const rows = caller.type === 'root' || caller.type === 'anonymous' ? [] : await this.store.db.selectFrom('tags').select(['key', 'value']).where('resource_type', '=', owner).where('resource_id', '=', caller.entityId).execute();
    // Session tags replace the principal's tags of the same key (IAM UG, "Passing session tags in AWS STS").
    const tags = { ...Object.fromEntries(rows.map((t) => [t.key, t.value])), ...caller.session?.tags };
    const principal = principalContext(caller);
    for (const [key, value] of Object.entries(tags)) principal[`aws:PrincipalTag/${key}`] = value;
    const entry: Entry = { version, madeAt: now, set, compiled: compileStored(set), principal };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, entry);
    return entry;
  }

  private async policySet(caller: Caller): Promise<PolicySet> {
    const db = this.store.db;
    switch (caller.type) {
      case 'root':
        // The root may do anything; an AssumeRoot session, only what its task policy also allows.
        return caller.session ? { identity: [EVERYTHING], session: caller.session.policies } : { identity: [] };
      case 'anonymous':
        return { identity: [] };
      case 'user':
        return userPolicySet(db, caller.entityId);
      case 'assumed-role': {
        const set = await rolePolicySet(db, caller.entityId);
        const session = caller.session?.policies ?? [];
        return session.length > 0 ? { ...set, session } : set;
      }
      case 'federated-user': {
        const set = await userPolicySet(db, caller.entityId);
        const session = caller.session?.policies ?? [];
        return { ...set, session: session.length > 0 ? session : [NOTHING] };
      }
    }
  }
}

/** Stored documents were validated when written; one that no longer compiles grants nothing. */
function compileStored(set: PolicySet): CompiledPolicySet {
  try {
    return compile(set);
  } catch {
    return compile({ identity: [] });
  }
}

const PRINCIPAL_TYPES = { root: 'Account', user: 'User', 'assumed-role': 'AssumedRole', 'federated-user': 'FederatedUser', anonymous: 'Anonymous' } as const;

/** The condition keys that describe the caller (AWS IAM UG, "AWS global condition context keys"). */
export function principalContext(caller: Caller): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {
    'aws:PrincipalAccount': caller.accountId,
    'aws:userid': caller.userId,
    'aws:PrincipalType': PRINCIPAL_TYPES[caller.type],
    'aws:PrincipalArn': caller.principalArn,
  };
  if (caller.userName !== undefined) context['aws:username'] = caller.userName;
  const session = caller.session;
  if (session) {
    // Present only for temporary credentials, as in AWS: a Deny on aws:TokenIssueTime revokes them.
    context['aws:TokenIssueTime'] = isoTime(session.issuedAt);
    context['aws:MultiFactorAuthPresent'] = session.mfa ? 'true' : 'false';
    if (session.sourceIdentity !== undefined) context['aws:SourceIdentity'] = session.sourceIdentity;
  }
  return context;
}

/** AWS's AccessDenied message, with the reason the decision gives. */
export function denialMessage(request: AuthorizationRequest, decision: Decision): string {
  const head = `User: ${request.caller.arn} is not authorized to perform: ${request.action} on resource: ${request.resource}`;
  if (decision.decision === 'ExplicitDeny') {
    const denying = decision.matched.find((ref) => ref.effect === 'Deny');
    const where = denying?.policyType === 'boundary' ? 'a permissions boundary' : denying?.policyType === 'session' ? 'a session policy' : denying?.policyType === 'resource' ? 'a resource-based policy' : 'an identity-based policy';
    return `${head} with an explicit deny in ${where}`;
  }
  const missing = decision.missing?.[0] ?? 'identity';
  return `${head} because ${REASONS[missing]} the ${request.action} action`;
}
