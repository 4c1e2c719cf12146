/**
 * The one authorization point: an authenticated caller, an action and a resource become a policy
 * evaluation. Compiled policy sets are cached per principal and dropped when anything in the
 * principal's account changes (the store's change feed, which other nodes also hear).
 */
import { compile, evaluate, type CompiledPolicySet, type ContextValue, type Decision, type PolicySet } from '../policy/index.js';
import type { Caller } from '../iam/context.js';
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { AccessDenied } from './errors.js';
import { rolePolicySet, userPolicySet } from './policies.js';

/** What the cache keeps per principal. */
interface Entry {
  readonly version: number;
  readonly madeAt: number;
  readonly compiled: CompiledPolicySet;
  readonly tags: Readonly<Record<string, string>>;
}

/** A question to the authorizer. */
export interface AuthorizationRequest {
  readonly caller: Caller;
  readonly action: string;
  readonly resource: string;
  /** Condition keys of the request (aws:SourceIp, aws:CurrentTime, iam:PolicyARN…). */
  readonly context: Record<string, ContextValue>;
}

const REASONS = {
  identity: 'no identity-based policy allows',
  boundary: 'no permissions boundary allows',
  session: 'no session policy allows',
  resource: 'no resource-based policy allows',
} as const;

export class Authorizer {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** The decision for a request; the root of an account may do anything in it. */
  async decide(request: AuthorizationRequest): Promise<Decision> {
    const { caller } = request;
    if (caller.type === 'root') return { decision: 'Allow', matched: [] };
    const entry = await this.entry(caller);
    const context: Record<string, ContextValue> = { ...principalContext(caller), ...request.context };
    for (const [key, value] of Object.entries(entry.tags)) context[`aws:PrincipalTag/${key}`] = value;
    return evaluate({ principal: caller.arn, action: request.action, resource: request.resource, context }, entry.compiled);
  }

  /** Decides, and throws AccessDenied in AWS's words unless allowed. */
  async authorize(request: AuthorizationRequest): Promise<void> {
    const decision = await this.decide(request);
    if (decision.decision === 'Allow') return;
    throw new AccessDenied(denialMessage(request, decision), decision);
  }

  private async entry(caller: Caller): Promise<Entry> {
    const { changes } = this.store;
    // Read before loading: a change during the load leaves the entry already stale, never wrongly fresh.
    const version = changes.version(caller.accountId);
    const now = this.clock.now();
    const cached = this.cache.get(caller.entityId);
    if (cached && changes.fresh(caller.accountId, cached.version, cached.madeAt, now)) return cached;
    const db = this.store.db;
    const [set, tags] = await Promise.all([
      caller.type === 'user' ? userPolicySet(db, caller.entityId) : rolePolicySet(db, caller.entityId),
      db.selectFrom('tags').select(['key', 'value']).where('resource_type', '=', caller.type === 'user' ? 'user' : 'role').where('resource_id', '=', caller.entityId).execute(),
    ]);
    const entry: Entry = { version, madeAt: now, compiled: compileStored(set), tags: Object.fromEntries(tags.map((t) => [t.key, t.value])) };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(caller.entityId, entry);
    return entry;
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

/** The condition keys that describe the caller (AWS IAM UG, "AWS global condition context keys"). */
export function principalContext(caller: Caller): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {
    'aws:PrincipalAccount': caller.accountId,
    'aws:userid': caller.userId,
    'aws:PrincipalType': caller.type === 'root' ? 'Account' : caller.type === 'user' ? 'User' : 'AssumedRole',
    'aws:PrincipalArn': caller.arn,
  };
  if (caller.userName !== undefined) context['aws:username'] = caller.userName;
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
