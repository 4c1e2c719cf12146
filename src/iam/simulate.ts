/**
 * The policy simulator: SimulatePrincipalPolicy and SimulateCustomPolicy (IAM API Reference), both
 * answered by the engine that authorizes every call, over the policies the authorizer gathers, so a
 * simulation says what enforcement would do.
 */
import type {
  ContextEntry,
  EvaluationResult,
  SimulateCustomPolicyRequest,
  SimulatePolicyResponse,
  SimulatePrincipalPolicyRequest,
  Statement,
} from '@aws-sdk/client-iam';
import { principalContext } from '../authz/authorizer.js';
import { groupPolicySet, rolePolicySet, userPolicySet } from '../authz/policies.js';
import { compile, evaluate, parse, type CompiledPolicySet, type ContextValue, type NamedPolicy, type PolicyKind, type PolicySet, type StatementRef } from '../policy/index.js';
import { parseJson, type JsonNode } from '../policy/json.js';
import { isoTime } from '../shared/clock.js';
import { ServiceError } from '../shared/service-error.js';
import { entityArn } from './arns.js';
import { AWS_ACCOUNT } from './aws-managed.js';
import type { Caller, Handler, Input, OperationContext } from './context.js';
import { InvalidInput, NoSuchEntity } from './errors.js';
import { NAMED_ENTITIES, requireEntity } from './named-entities.js';
import { pageItems } from './paging.js';
import { checkDocument, decodeDocument } from './policy-documents.js';
import { tagsOf } from './tags.js';

type SourceType = NonNullable<Statement['SourcePolicyType']>;

/** Where a policy of the simulated set came from, as MatchedStatements reports it. */
interface Source {
  readonly id: string;
  readonly type: SourceType;
  readonly text: string;
}

/** A policy set to simulate with, and the origin of each of its policies by name. */
interface Simulation {
  readonly set: PolicySet;
  readonly sources: ReadonlyMap<string, Source>;
  readonly principal: string;
  readonly context: Record<string, ContextValue>;
}

type SimulateInput = Input<SimulateCustomPolicyRequest> & { PolicySourceArn?: string };

/** The documents of an input list, validated for their kind, named as AWS names them (`PolicyInputList.1`…). */
function inputPolicies(list: readonly string[] | undefined, member: string, kind: PolicyKind, sources: Map<string, Source>): NamedPolicy[] {
  return (list ?? []).map((text, i) => {
    const document = decodeDocument(text);
    try {
      checkDocument(document, kind, Infinity);
    } catch (error) {
      // The simulator's errors are InvalidInput (IAM API, "SimulateCustomPolicy", Errors).
      if (error instanceof ServiceError) throw new InvalidInput(`${member}.${i + 1}: ${error.message}`);
      throw error;
    }
    const name = `${member}.${i + 1}`;
    sources.set(name, { id: name, type: 'none', text: document });
    return { name, document };
  });
}

/** The origin of a stored policy from the name the authorizer gives it: `user/NAME/POLICY`, or a managed policy's ARN. */
function storedSource(policy: NamedPolicy): Source {
  const text = typeof policy.document === 'string' ? policy.document : '';
  if (policy.name.startsWith('arn:')) {
    const aws = policy.name.split(':')[4] === AWS_ACCOUNT;
    return { id: policy.name.slice(policy.name.lastIndexOf('/') + 1), type: aws ? 'aws-managed' : 'user-managed', text };
  }
  const [kind = 'none', , ...name] = policy.name.split('/');
  return { id: name.join('/'), type: kind as SourceType, text };
}

function listOf(policies: NamedPolicy | readonly NamedPolicy[] | undefined): readonly NamedPolicy[] {
  return policies === undefined ? [] : Array.isArray(policies) ? policies : [policies as NamedPolicy];
}

/** The user, group or role a PolicySourceArn names, with the policies that apply to it. */
async function principalSimulation(input: SimulateInput, sourceArn: string, context: OperationContext): Promise<Simulation> {
  const db = context.store.db;
  const match = /^arn:[^:]+:iam::(\d{12}):(user|group|role)(\/(?:.*\/)?)([^/]+)$/.exec(sourceArn);
  if (!match || match[1] !== context.caller.accountId) throw new InvalidInput(`Invalid Entity Arn: ${sourceArn} does not clearly define entity type and name.`);
  const kind = match[2] as 'user' | 'group' | 'role';
  const row = await requireEntity(db, context, kind, match[4] ?? '');
  const arn = entityArn(context, kind, row.path, row.name);
  if (arn !== sourceArn) throw new NoSuchEntity(NAMED_ENTITIES[kind].missing(row.name));
  const set = await (kind === 'user' ? userPolicySet : kind === 'role' ? rolePolicySet : groupPolicySet)(db, row.id);
  const sources = new Map<string, Source>();
  for (const policy of [...set.identity, ...listOf(set.boundary)]) sources.set(policy.name, storedSource(policy));
  const identity = [...set.identity, ...inputPolicies(input.PolicyInputList, 'PolicyInputList', 'identity', sources)];
  const givenBoundary = inputPolicies(input.PermissionsBoundaryPolicyInputList, 'PermissionsBoundaryPolicyInputList', 'boundary', sources);
  // A boundary given in the request replaces the principal's own (IAM API, "SimulatePrincipalPolicy").
  const boundary = givenBoundary.length > 0 ? givenBoundary : set.boundary;
  const principal = input.CallerArn ?? arn;
  const caller: Caller = {
    type: kind === 'role' ? 'assumed-role' : 'user',
    accountId: context.caller.accountId,
    arn,
    userId: kind === 'role' ? `${row.id}:simulation` : row.id,
    userName: kind === 'user' ? row.name : undefined,
    entityId: row.id,
    principalArn: arn,
    accessKeyId: '',
  };
  const tags = kind === 'group' ? [] : await tagsOf(db, kind, row.id);
  const principalKeys: Record<string, ContextValue> = kind === 'group' ? {} : principalContext(caller);
  for (const tag of tags) principalKeys[`aws:PrincipalTag/${tag.Key}`] = tag.Value;
  return { set: { identity, ...(boundary !== undefined && { boundary }) }, sources, principal, context: principalKeys };
}

/** The policies a SimulateCustomPolicy call gives, and nothing stored. */
function customSimulation(input: SimulateInput, context: OperationContext): Simulation {
  const sources = new Map<string, Source>();
  const identity = inputPolicies(input.PolicyInputList, 'PolicyInputList', 'identity', sources);
  const boundary = inputPolicies(input.PermissionsBoundaryPolicyInputList, 'PermissionsBoundaryPolicyInputList', 'boundary', sources);
  return { set: { identity, ...(boundary.length > 0 && { boundary }) }, sources, principal: input.CallerArn ?? context.caller.arn, context: {} };
}

/** ContextEntries as the engine takes them: lists as sets, other types as their one value. */
function contextEntries(entries: readonly Input<ContextEntry>[] | undefined): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {};
  for (const entry of entries ?? []) {
    if (entry.ContextKeyName === undefined) continue;
    const values = entry.ContextKeyValues ?? [];
    context[entry.ContextKeyName] = entry.ContextKeyType?.endsWith('List') ? values : (values[0] ?? '');
  }
  return context;
}

/** Line and column (both from 1) of an offset in a text. */
function position(text: string, offset: number): { Line: number; Column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { Line: line, Column: offset - before.lastIndexOf('\n') };
}

/** Where the n-th statement of a document starts and ends: the offsets of its opening and closing braces. */
function statementSpan(text: string, index: number): { start: number; end: number } | undefined {
  const root = parseJson(text).root;
  const statements = root.kind === 'object' ? root.entries.get('Statement') : undefined;
  const node: JsonNode | undefined = statements?.kind === 'array' ? statements.items[index] : index === 0 ? statements : undefined;
  if (node?.kind !== 'object') return undefined;
  // Walk to the brace that closes the statement object, skipping strings.
  let depth = 0;
  for (let i = node.offset; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return { start: node.offset, end: i };
  }
  return undefined;
}

function matchedStatement(ref: StatementRef, sources: ReadonlyMap<string, Source>, resourcePolicy: string | undefined): Statement {
  const source: Source = ref.policyType === 'resource' ? { id: 'ResourcePolicy', type: 'resource', text: resourcePolicy ?? '' } : (sources.get(ref.policyId) ?? { id: ref.policyId, type: 'none', text: '' });
  const span = source.text === '' ? undefined : statementSpan(source.text, ref.index);
  return {
    SourcePolicyId: source.id,
    SourcePolicyType: source.type,
    ...(span && { StartPosition: position(source.text, span.start), EndPosition: position(source.text, span.end) }),
  };
}

/** Condition keys that statements for the action use and the context lacks. */
function missingKeys(compiled: CompiledPolicySet, action: string, set: PolicySet, context: Record<string, ContextValue>): string[] {
  const given = new Set(Object.keys(context).map((k) => k.toLowerCase()));
  const documents = new Map<string, ReturnType<typeof parse>>();
  for (const policy of [...set.identity, ...listOf(set.boundary), ...listOf(set.resource)]) {
    documents.set(policy.name, typeof policy.document === 'string' ? parse(policy.document) : policy.document);
  }
  const missing = new Map<string, string>();
  for (const candidate of compiled.candidates(action)) {
    const statement = documents.get(candidate.ref.policyId)?.statements.find((s) => s.index === candidate.ref.index);
    for (const condition of statement?.conditions ?? []) {
      const lower = condition.key.toLowerCase();
      if (!given.has(lower) && !missing.has(lower)) missing.set(lower, condition.key);
    }
  }
  return [...missing.values()];
}

const DECISIONS = { Allow: 'allowed', ExplicitDeny: 'explicitDeny', ImplicitDeny: 'implicitDeny' } as const;

async function simulate(input: SimulateInput, context: OperationContext): Promise<SimulatePolicyResponse> {
  const base = input.PolicySourceArn === undefined ? customSimulation(input, context) : await principalSimulation(input, input.PolicySourceArn, context);
  if (input.ResourcePolicy !== undefined && input.CallerArn === undefined && !/:user\//.test(base.principal)) {
    throw new InvalidInput('CallerArn must be specified when a ResourcePolicy is given and the policy source is not an IAM user.');
  }
  const resourcePolicy = input.ResourcePolicy === undefined ? undefined : decodeDocument(input.ResourcePolicy);
  if (resourcePolicy !== undefined) inputPolicies([resourcePolicy], 'ResourcePolicy', 'resource', new Map());
  const set: PolicySet = resourcePolicy === undefined ? base.set : { ...base.set, resource: { name: 'ResourcePolicy', document: resourcePolicy } };
  const compiled = compile(set);
  const now = context.clock.now();
  // The keys enforcement supplies about the caller and the time; the request's entries win.
  const requestContext: Record<string, ContextValue> = {
    'aws:CurrentTime': isoTime(now),
    'aws:EpochTime': String(Math.floor(now / 1000)),
    ...base.context,
    ...contextEntries(input.ContextEntries),
  };
  const resources = input.ResourceArns?.length ? input.ResourceArns : ['*'];
  const results: EvaluationResult[] = [];
  for (const action of input.ActionNames) {
    const missing = missingKeys(compiled, action, set, requestContext);
    for (const resource of resources) {
      const decision = evaluate({ principal: base.principal, action, resource, context: requestContext }, compiled);
      const boundaryRefs = decision.matched.filter((ref) => ref.policyType === 'boundary');
      results.push({
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: DECISIONS[decision.decision],
        MatchedStatements: decision.matched.map((ref) => matchedStatement(ref, base.sources, resourcePolicy)),
        MissingContextValues: missing,
        ...(set.boundary !== undefined && {
          PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: boundaryRefs.some((r) => r.effect === 'Allow') && !boundaryRefs.some((r) => r.effect === 'Deny') },
        }),
      });
    }
  }
  const page = pageItems(
    results.map((result, i) => ({ result, key: String(i) })),
    input,
    (item) => item.key,
  );
  return { EvaluationResults: page.items.map((item) => item.result), ...page.response };
}

export const SimulatePrincipalPolicy: Handler<Input<SimulatePrincipalPolicyRequest>, SimulatePolicyResponse> = (input, context) =>
  simulate({ ...input, PolicyInputList: input.PolicyInputList ?? [] }, context);

export const SimulateCustomPolicy: Handler<Input<SimulateCustomPolicyRequest>, SimulatePolicyResponse> = (input, context) => simulate(input, context);
