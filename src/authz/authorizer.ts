/**
 * The one authorization point: an authenticated caller, an action and a resource become a policy
 * evaluation. Compiled policy sets are cached per principal and dropped when anything in the
 * principal's account changes (writes call `invalidate`; other nodes hear of it through the store).
 */
import { compile, evaluate, type CompiledPolicySet, type ContextValue, type Decision, type PolicySet } from '../policy/index.js';
import type { Caller } from '../iam/context.js';
import type { Store } from '../store/store.js';
import { AccessDenied } from './errors.js';
import { rolePolicySet, userPolicySet } from './policies.js';

/** What the cache keeps per principal. */
interface Entry {
  readonly generation: number;
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
  private readonly generations = new Map<string, number>();

  constructor(private readonly store: Store) {}

  /** Forgets what is cached for an account: call after any write to it. */
  invalidate(accountId: string): void {
    this.generations.set(accountId, (this.generations.get(accountId) ?? 0) + 1);
  }

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
    const generation = this.generations.get(caller.accountId) ?? 0;
    const cached = this.cache.get(caller.entityId);
    if (cached && cached.generation === generation) return cached;
    const db = this.store.db;
    const [set, tags] = await Promise.all([
      caller.type === 'user' ? userPolicySet(db, caller.entityId) : rolePolicySet(db, caller.entityId),
      db.selectFrom('tags').select(['key', 'value']).where('resource_type', '=', caller.type === 'user' ? 'user' : 'role').where('resource_id', '=', caller.entityId).execute(),
    ]);
    const entry: Entry = { generation, compiled: compileStored(set), tags: Object.fromEntries(tags.map((t) => [t.key, t.value])) };
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
