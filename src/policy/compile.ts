/**
 * Compiling a policy set: every statement becomes a set of matchers, and statements are indexed by
 * service so that a request only looks at the statements whose Action can match it. A compiled set
 * is immutable and may be shared by any number of evaluations.
 */
import type { Condition, Policy, PolicyKind, PrincipalBlock, Statement } from './ast.js';
import { accountOf } from './arn.js';
import { parseOperator } from './conditions/index.js';
import type { OperatorFamily, OperatorSpec } from './conditions/operator.js';
import { RequestContext, type KeyValue } from './context.js';
import { MalformedPolicyDocumentError, pointerOf } from './errors.js';
import { parse } from './parse.js';
import type { NamedPolicy, PolicySet, PolicyType, StatementRef } from './types.js';
import { validate } from './validate.js';
import { parseTemplate, render } from './variables.js';
import { compileGlob, type Matcher } from './wildcard.js';

/**
 * How a resource-based policy's Principal named the caller. It decides what the allow is worth
 * (AWS IAM UG, "Policy evaluation logic" and "Cross-account policy evaluation logic"):
 * - `principal`: the caller's own ARN (a user, an assumed-role session) or service name: the
 *   allow stands alone, and neither a boundary nor a session policy limits it;
 * - `role`: the role behind a session, or everyone (`*`): the allow stands alone, but the
 *   session's boundary and session policies still apply;
 * - `account`: the caller's account: the account delegates, and the caller's identity-based
 *   policies must allow as well.
 */
export type PrincipalMatch = 'principal' | 'role' | 'account';

/** One statement, ready to be tested against requests. */
export interface CompiledStatement {
  readonly ref: StatementRef;
  readonly deny: boolean;
  /** Tests a lower-cased action. */
  readonly action: Matcher;
  /** Tests the resource; undefined when the statement has no Resource element (trust policies). */
  readonly resource: ((resource: string, context: RequestContext) => boolean) | undefined;
  /** For resource-based policies: how the Principal element names the caller, if it does. */
  readonly principal: ((principal: string, context: RequestContext) => PrincipalMatch | undefined) | undefined;
  readonly conditions: readonly ((context: RequestContext) => boolean)[];
  /** The lower-cased services its Action names, for the index; undefined when it may match any. */
  readonly services: readonly string[] | undefined;
}

/** A compiled policy set. Opaque to callers: pass it to `evaluate`. */
export interface CompiledPolicySet {
  /** The statements that may match an action, in policy-set order. */
  candidates(action: string): readonly CompiledStatement[];
  /** Whether a policy of the type was given at all: an absent boundary does not limit. */
  readonly has: Readonly<Record<PolicyType, boolean>>;
}

const POLICY_KIND: Record<PolicyType, PolicyKind> = {
  identity: 'identity',
  resource: 'resource',
  boundary: 'boundary',
  session: 'session',
};

/** At most this many distinct actions keep their candidate list; later ones are computed per call. */
const CANDIDATE_CACHE_LIMIT = 10_000;

/**
 * Compiles a policy set. Text documents are parsed; every document is validated for its place in
 * the set, so that evaluation never meets a statement it cannot read.
 * @throws MalformedPolicyDocumentError for a document that does not parse or validate.
 * @example
 * const compiled = compile({ identity: [{ name: 'read', document: '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}' }] });
 */
export function compile(set: PolicySet): CompiledPolicySet {
  const statements: CompiledStatement[] = [];
  const has: Record<PolicyType, boolean> = { identity: false, resource: false, boundary: false, session: false };
  const groups: [PolicyType, readonly NamedPolicy[]][] = [
    ['identity', set.identity],
    ['resource', listOf(set.resource)],
    ['boundary', listOf(set.boundary)],
    ['session', listOf(set.session)],
  ];
  for (const [type, policies] of groups) {
    for (const named of policies) {
      has[type] = true;
      const policy = readPolicy(named, named.kind ?? POLICY_KIND[type]);
      for (const statement of policy.statements) statements.push(compileStatement(statement, policy, type, named.name));
    }
  }
  return new StatementIndex(statements, has);
}

function listOf(policies: NamedPolicy | readonly NamedPolicy[] | undefined): readonly NamedPolicy[] {
  if (policies === undefined) return [];
  return Array.isArray(policies) ? policies : [policies as NamedPolicy];
}

function readPolicy(named: NamedPolicy, kind: PolicyKind): Policy {
  const policy = typeof named.document === 'string' ? parse(named.document) : named.document;
  const error = validate(policy, kind, { maxSize: Infinity }).find((d) => d.severity === 'error');
  if (error) throw new MalformedPolicyDocumentError(`${named.name}: ${error.message}`, error.pointer);
  return policy;
}

/** Statements indexed by service, with each action's candidate list computed once. */
class StatementIndex implements CompiledPolicySet {
  private readonly byService = new Map<string, CompiledStatement[]>();
  private readonly anyService: CompiledStatement[] = [];
  private readonly order = new Map<CompiledStatement, number>();
  private readonly cache = new Map<string, readonly CompiledStatement[]>();

  constructor(
    statements: readonly CompiledStatement[],
    readonly has: Readonly<Record<PolicyType, boolean>>,
  ) {
    statements.forEach((statement, ordinal) => {
      this.order.set(statement, ordinal);
      const services = statement.services;
      if (services === undefined) this.anyService.push(statement);
      else for (const service of services) this.bucket(service).push(statement);
    });
    Object.freeze(this);
  }

  candidates(given: string): readonly CompiledStatement[] {
    // Callers mostly send one spelling of an action: look it up as given before lower-casing it.
    const hit = this.cache.get(given);
    if (hit !== undefined) return hit;
    const action = given.toLowerCase();
    const cached = this.cache.get(action);
    if (cached !== undefined) {
      if (this.cache.size < CANDIDATE_CACHE_LIMIT) this.cache.set(given, cached);
      return cached;
    }
    const colon = action.indexOf(':');
    const own = colon < 0 ? undefined : this.byService.get(action.slice(0, colon));
    const found: CompiledStatement[] = [];
    for (const statement of this.anyService) if (statement.action(action)) found.push(statement);
    if (own) for (const statement of own) if (statement.action(action)) found.push(statement);
    if (own && this.anyService.length > 0) found.sort((a, b) => this.order.get(a)! - this.order.get(b)!);
    // The set of actions is AWS's catalogue, but a caller could send endless made-up ones.
    if (this.cache.size < CANDIDATE_CACHE_LIMIT) this.cache.set(action, found).set(given, found);
    return found;
  }

  private bucket(service: string): CompiledStatement[] {
    let list = this.byService.get(service);
    if (!list) this.byService.set(service, (list = []));
    return list;
  }
}

function compileStatement(statement: Statement, policy: Policy, policyType: PolicyType, policyId: string): CompiledStatement {
  const variables = policy.version === '2012-10-17';
  const ref: StatementRef = Object.freeze({
    policyType,
    policyId,
    index: statement.index,
    sid: statement.sid,
    effect: statement.effect,
  });
  const compiled: CompiledStatement = {
    ref,
    deny: statement.effect === 'Deny',
    action: compileActions(statement),
    resource: statement.resource ? compileResources(statement.resource.values, statement.resource.not, variables) : undefined,
    principal: statement.principal ? compilePrincipal(statement.principal) : undefined,
    conditions: statement.conditions.map((c, i) => compileCondition(c, variables, statement, i)),
    services: indexedServices(statement),
  };
  return Object.freeze(compiled);
}

function compileActions(statement: Statement): Matcher {
  const block = statement.action;
  if (!block) return () => true; // validation requires Action or NotAction; nothing to narrow here
  const matchers = block.values.map((value) => compileGlob(value, { ignoreCase: true }));
  const any = matchers.length === 1 ? matchers[0]! : (action: string) => matchers.some((m) => m(action));
  return block.not ? (action) => !any(action) : any;
}

/** Services an Action element is limited to, for the index; undefined for `*`, `s3*:…` or NotAction. */
function indexedServices(statement: Statement): readonly string[] | undefined {
  const block = statement.action;
  if (!block || block.not) return undefined;
  const services = new Set<string>();
  for (const value of block.values) {
    const colon = value.indexOf(':');
    const service = colon < 0 ? '*' : value.slice(0, colon);
    if (service.includes('*') || service.includes('?')) return undefined;
    services.add(service.toLowerCase());
  }
  return [...services];
}

function compileResources(
  values: readonly string[],
  not: boolean,
  variables: boolean,
): (resource: string, context: RequestContext) => boolean {
  const tests = values.map((value) => compilePattern(value, variables, true));
  if (!not) return (resource, context) => tests.some((test) => test(resource, context) === true);
  // In NotResource an entry that cannot be resolved invalidates the statement (AWS IAM UG,
  // "Variables and tags": a failed match "causes the statement to be invalid"), rather than
  // widening it to every resource.
  return (resource, context) => {
    for (const test of tests) if (test(resource, context) !== false) return false;
    return true;
  };
}

/**
 * An ARN pattern that may hold policy variables. A pattern with variables is compiled per distinct
 * substitution, and the few matchers a principal's values produce are kept. A variable with no
 * value is null (AWS IAM UG, "Policy variables with no value"): the entry answers undefined, and
 * matches nothing.
 */
function compilePattern(value: string, variables: boolean, arn: boolean): (subject: string, context: RequestContext) => boolean | undefined {
  const template = variables ? parseTemplate(value, true) : value;
  if (typeof template === 'string') {
    const matcher = compileGlob(template, { arn });
    return (subject) => matcher(subject);
  }
  const cache = new Map<string, Matcher>();
  return (subject, context) => {
    const rendered = render(template, (key) => context.one(key), true);
    if (rendered === undefined) return undefined;
    let matcher = cache.get(rendered);
    if (!matcher) {
      matcher = compileGlob(rendered, { arn });
      if (cache.size < 256) cache.set(rendered, matcher);
    }
    return matcher(subject);
  };
}

const PRINCIPAL_ARN = 'aws:PrincipalArn';
const PRINCIPAL_ACCOUNT = 'aws:PrincipalAccount';
const ACCOUNT_ID = /^\d{12}$/;
const ROOT_ARN = /^arn:[^:]+:iam::(\d{12}):root$/;

function compilePrincipal(block: PrincipalBlock): (principal: string, context: RequestContext) => PrincipalMatch | undefined {
  const tests = block.entries.map(compilePrincipalEntry);
  const named = (principal: string, context: RequestContext): PrincipalMatch | undefined => {
    if (block.wildcard) return 'role';
    let best: PrincipalMatch | undefined;
    for (const test of tests) {
      const match = test(principal, context);
      if (match === 'principal') return match;
      if (match === 'role' || (match === 'account' && best === undefined)) best = match;
    }
    return best;
  };
  // NotPrincipal names who is excluded; everyone else is matched as `*` would match them.
  return block.not ? (principal, context) => (named(principal, context) === undefined ? 'role' : undefined) : named;
}

function compilePrincipalEntry(entry: { type: string; value: string }): (principal: string, context: RequestContext) => PrincipalMatch | undefined {
  const { type, value } = entry;
  if (type !== 'AWS') {
    const lower = value.toLowerCase();
    return (principal) => (principal.toLowerCase() === lower ? 'principal' : undefined);
  }
  if (value === '*') return () => 'role';
  const account = ACCOUNT_ID.test(value) ? value : ROOT_ARN.exec(value)?.[1];
  if (account !== undefined) {
    return (principal, context) => {
      if (principal === value) return 'principal'; // the account root itself
      return principalAccount(principal, context) === account ? 'account' : undefined;
    };
  }
  return (principal, context) => {
    if (principal === value) return 'principal';
    const arn = context.get(PRINCIPAL_ARN, PRINCIPAL_ARN.toLowerCase());
    return arn === value ? 'role' : undefined;
  };
}

/** The caller's account: the one in its ARN, or aws:PrincipalAccount for a principal without. */
export function principalAccount(principal: string, context: RequestContext): string | undefined {
  const own = accountOf(principal);
  if (own !== undefined) return own;
  const given = context.get(PRINCIPAL_ACCOUNT, PRINCIPAL_ACCOUNT.toLowerCase());
  return typeof given === 'string' ? given : undefined;
}

function compileCondition(condition: Condition, variables: boolean, statement: Statement, i: number): (context: RequestContext) => boolean {
  const spec = parseOperator(condition.operator);
  if (!spec) {
    // Unreachable for a validated policy; fail closed rather than guess.
    throw new MalformedPolicyDocumentError(`Unknown condition operator ${condition.operator}`, pointerOf(['Statement', statement.index, 'Condition', condition.operator, i]));
  }
  const key = condition.key;
  const lowerKey = key.toLowerCase();
  if (spec.base === 'Null') return compileNull(condition.values, key, lowerKey);
  const { family, negated } = spec.base;
  const values = condition.values.map((value) => compileValue(family, value, variables && family.variables));
  // A context value the operator cannot read (a malformed address, say) fails closed: a Deny
  // applies and an Allow does not.
  const unreadable = statement.effect === 'Deny';
  return compileQualified(spec, key, lowerKey, (contextValue, context) => {
    // Values are OR-ed: the context value matches if it matches any of them.
    for (const value of values) {
      const policyValue = value(context);
      if (policyValue === UNUSABLE) continue;
      const result = family.test(contextValue, policyValue);
      if (result === undefined) return unreadable ? FAIL_CLOSED_DENY : FAIL_CLOSED_ALLOW;
      if (result) return !negated;
    }
    return negated;
  });
}

/**
 * A policy value the operator cannot read, or one whose variable has no value (which AWS reads as
 * null): it matches nothing, and the condition's other values still count.
 */
const UNUSABLE = Symbol('unusable value');
/** An unreadable context value decides the condition outright, failing closed. */
const FAIL_CLOSED_DENY = Symbol('unreadable in a Deny');
const FAIL_CLOSED_ALLOW = Symbol('unreadable in an Allow');
type PolicyValue = unknown;

/** A policy value, parsed once; one with variables is substituted and parsed per evaluation. */
function compileValue(family: OperatorFamily, value: string, variables: boolean): (context: RequestContext) => PolicyValue {
  const glob = family.wildcards === true;
  const template = variables ? parseTemplate(value, glob) : value;
  if (typeof template === 'string') {
    const parsed = family.parse(template) ?? UNUSABLE;
    return () => parsed;
  }
  return (context) => {
    const rendered = render(template, (k) => context.one(k), glob);
    if (rendered === undefined) return UNUSABLE;
    return family.parse(rendered) ?? UNUSABLE;
  };
}

type Outcome = boolean | typeof FAIL_CLOSED_DENY | typeof FAIL_CLOSED_ALLOW;
type ValueTest = (contextValue: string, context: RequestContext) => Outcome;

/** The whole condition's answer, given an outcome that may have failed closed. */
function decided(outcome: Outcome): boolean {
  return outcome === FAIL_CLOSED_ALLOW ? false : outcome === FAIL_CLOSED_DENY ? true : outcome;
}

/**
 * Applies `IfExists` and the set qualifiers to a per-value test (AWS IAM UG, "Condition operators"
 * and "Multivalued context keys"): a missing key fails a positive operator and passes a negated
 * one; `IfExists` passes it; `ForAllValues:` is true of an empty set, `ForAnyValue:` false.
 */
function compileQualified(spec: OperatorSpec, key: string, lowerKey: string, test: ValueTest): (context: RequestContext) => boolean {
  const negated = spec.base !== 'Null' && spec.base.negated;
  const { qualifier, ifExists } = spec;
  // ForAllValues needs every member to pass; so does a negated operator without a qualifier
  // ("matches none of them"); otherwise one member suffices.
  const every = qualifier === 'ForAllValues' || (qualifier === undefined && negated);
  return (context) => {
    const value = context.get(key, lowerKey);
    if (value === undefined || (typeof value !== 'string' && value.length === 0)) {
      if (ifExists) return true;
      if (qualifier === 'ForAllValues') return true;
      if (qualifier === 'ForAnyValue') return false;
      return negated;
    }
    if (typeof value === 'string') {
      const outcome = test(value, context);
      return decided(outcome);
    }
    for (const member of value) {
      const outcome = test(member, context);
      if (typeof outcome !== 'boolean') return decided(outcome);
      if (every && !outcome) return false;
      if (!every && outcome) return true;
    }
    return every;
  };
}

function compileNull(values: readonly string[], key: string, lowerKey: string): (context: RequestContext) => boolean {
  const wantAbsent = values.some((v) => v.toLowerCase() === 'true');
  const wantPresent = values.some((v) => v.toLowerCase() === 'false');
  return (context) => {
    const value: KeyValue | undefined = context.get(key, lowerKey);
    const present = value !== undefined && (typeof value === 'string' || value.length > 0);
    return present ? wantPresent : wantAbsent;
  };
}
