/**
 * Properties of the policy engine that hold for every input, checked with fast-check on seeded
 * random documents, policy sets and requests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compile,
  evaluate,
  MalformedPolicyDocumentError,
  parse,
  PolicySizeExceededError,
  validate,
  POLICY_KINDS,
  type ContextValue,
  type NamedPolicy,
  type PolicySet,
  type Request,
} from '../../src/policy/index.js';

/** Fixed seeds: a failure reproduces on every run and every machine. */
const SEED = 20_240_601;
const RUNS = Number(process.env.PROPERTY_RUNS ?? 1000);

// ---------------------------------------------------------------------------------------------
// Documents that parse might meet: text of any kind, JSON of any shape, policy-shaped JSON with
// wrong values in it, and valid policies with a character dropped or inserted.

const ELEMENT_NAMES = [
  'Version',
  'Id',
  'Statement',
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
  'effect',
  'Bogus',
];

const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('Allow', 'Deny', '*', 's3:GetObject', 'arn:aws:s3:::b/*', '2012-10-17', '2008-10-17', '', '${aws:username}'),
  fc.constantFrom({ AWS: '*' }, { AWS: ['111122223333'] }, { Service: 'ec2.amazonaws.com' }, { StringEquals: { 'aws:username': 'a' } }),
  fc.constantFrom({ StringLike: { 'aws:TagKeys': ['a', 1, null] } }, { 'ForAnyValue:Nope': { k: 'v' } }, { Null: { k: true } }),
);

const statementish = fc.dictionary(fc.constantFrom(...ELEMENT_NAMES), oddValue, { maxKeys: 7 });

const policyish = fc.record(
  {
    Version: fc.oneof(fc.constantFrom('2012-10-17', '2008-10-17', '2020-01-01'), oddValue),
    Statement: fc.oneof(fc.array(statementish, { maxLength: 4 }), statementish, oddValue),
    Id: oddValue,
  },
  { requiredKeys: [] },
);

const VALID_DOCUMENT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'A', Effect: 'Allow', Action: ['s3:Get*'], Resource: 'arn:aws:s3:::b/${aws:username}/*' },
    { Effect: 'Deny', NotAction: 'iam:*', NotResource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
  ],
});

/** A valid document with one character removed, replaced or inserted. */
const damaged = fc
  .tuple(fc.nat({ max: VALID_DOCUMENT.length }), fc.constantFrom('delete', 'replace', 'insert'), fc.string({ maxLength: 1, minLength: 1 }))
  .map(([at, how, ch]) => {
    const tail = how === 'insert' ? VALID_DOCUMENT.slice(at) : VALID_DOCUMENT.slice(at + 1);
    return VALID_DOCUMENT.slice(0, at) + (how === 'delete' ? '' : ch) + tail;
  });

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  policyish.map((p) => JSON.stringify(p)),
  damaged,
  // Deep nesting and large sizes: the parser must refuse, not overflow the stack.
  fc.nat({ max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.nat({ max: 30_000 }).map((n) => JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'a'.repeat(n), Resource: '*' } })),
);

function isPolicyError(error: unknown): boolean {
  return error instanceof MalformedPolicyDocumentError || error instanceof PolicySizeExceededError;
}

// ---------------------------------------------------------------------------------------------
// Policy sets and requests.

const ACCOUNT = '111122223333';
const USER = `arn:aws:iam::${ACCOUNT}:user/alice`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/dev/alice`;

const REQUESTS = [
  { action: 's3:GetObject', resource: 'arn:aws:s3:::photos/alice/cat.jpg' },
  { action: 's3:PutObject', resource: 'arn:aws:s3:::logs/2024/app.log' },
  { action: 's3:ListBucket', resource: 'arn:aws:s3:::photos' },
  { action: 'iam:GetUser', resource: `arn:aws:iam::${ACCOUNT}:user/bob` },
  { action: 'ec2:DescribeInstances', resource: '*' },
  { action: 'sqs:SendMessage', resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:orders` },
] as const;

const actionPattern = fc.constantFrom('*', 's3:*', 's3:Get*', 's3:?etObject', 'S3:GETOBJECT', 'iam:*User', 'iam:Get*', 'ec2:Describe*', 'sqs:Send*', 'sqs:*');
const resourcePattern = fc.constantFrom(
  '*',
  'arn:aws:s3:::photos/*',
  'arn:aws:s3:::photos/${aws:username}/*',
  'arn:aws:s3:::*',
  `arn:aws:iam::${ACCOUNT}:user/*`,
  'arn:aws:iam::*:user/?ob',
  `arn:aws:sqs:*:${ACCOUNT}:*`,
  'arn:aws:*:*:*:*',
);
const condition = fc.constantFrom<Record<string, Record<string, string | string[]>> | undefined>(
  undefined,
  undefined,
  { StringEquals: { 'aws:username': 'alice' } },
  { StringLike: { 'aws:PrincipalTag/team': ['e*', 'ops'] } },
  { StringNotEquals: { 'aws:RequestedRegion': 'us-east-1' } },
  { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
  { NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } },
  { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
  { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } },
  { DateGreaterThan: { 'aws:CurrentTime': '2024-01-01T00:00:00Z' } },
  { 'ForAllValues:StringLike': { 'aws:TagKeys': ['env', 'team*'] } },
  { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'owner' } },
  { Null: { 'aws:username': 'false' } },
  { StringEqualsIfExists: { 'aws:PrincipalTag/team': 'eng' } },
  { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:*` } },
);

interface StatementDoc {
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | { AWS: string };
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

function statementArb(withPrincipal: boolean): fc.Arbitrary<StatementDoc> {
  return fc
    .record({
      effect: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Allow', 'Deny'),
      principal: fc.constantFrom<StatementDoc['Principal']>('*', { AWS: USER }, { AWS: ACCOUNT }, { AWS: SESSION }, { AWS: `arn:aws:iam::${ACCOUNT}:role/dev` }),
      notAction: fc.boolean(),
      actions: fc.array(actionPattern, { minLength: 1, maxLength: 3 }),
      notResource: fc.boolean(),
      resources: fc.array(resourcePattern, { minLength: 1, maxLength: 3 }),
      condition,
    })
    .map((r) => {
      const s: StatementDoc = { Effect: r.effect };
      if (withPrincipal) s.Principal = r.principal;
      if (r.notAction && r.actions.length === 1) s.NotAction = r.actions;
      else s.Action = r.actions;
      if (r.notResource && r.resources.length === 1) s.NotResource = r.resources;
      else s.Resource = r.resources;
      if (r.condition) s.Condition = r.condition;
      return s;
    });
}

interface Doc {
  Version: '2012-10-17';
  Statement: StatementDoc[];
}

const policyArb = (withPrincipal = false): fc.Arbitrary<Doc> =>
  fc.array(statementArb(withPrincipal), { minLength: 1, maxLength: 5 }).map((Statement) => ({ Version: '2012-10-17' as const, Statement }));

interface SetDocs {
  identity: Doc[];
  boundary: Doc | null;
  session: Doc | null;
  resource: Doc | null;
}

const setArb: fc.Arbitrary<SetDocs> = fc.record({
  identity: fc.array(policyArb(), { maxLength: 3 }),
  boundary: fc.option(policyArb(), { freq: 3 }),
  session: fc.option(policyArb(), { freq: 3 }),
  resource: fc.option(policyArb(true), { freq: 3 }),
});

const contextArb: fc.Arbitrary<Record<string, ContextValue>> = fc.record(
  {
    'aws:username': fc.constantFrom('alice', 'bob'),
    'aws:PrincipalTag/team': fc.constantFrom('eng', 'ops'),
    'aws:RequestedRegion': fc.constantFrom('us-east-1', 'eu-west-1'),
    'aws:SourceIp': fc.constantFrom('10.1.2.3', '203.0.113.9', '2001:db8::1', 'not-an-ip'),
    'aws:MultiFactorAuthPresent': fc.boolean(),
    'aws:MultiFactorAuthAge': fc.nat({ max: 90_000 }),
    'aws:CurrentTime': fc.constantFrom('2023-05-05T00:00:00Z', '2025-01-01T00:00:00Z'),
    'aws:TagKeys': fc.subarray(['env', 'team', 'teams', 'owner']),
  },
  { requiredKeys: [] },
);

interface Scenario {
  set: SetDocs;
  request: Request;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({ set: setArb, target: fc.constantFrom(...REQUESTS), session: fc.boolean(), context: contextArb })
  .map(({ set, target, session, context }) => ({
    set,
    request: {
      principal: session ? SESSION : USER,
      action: target.action,
      resource: target.resource,
      context: { ...context, 'aws:PrincipalArn': session ? `arn:aws:iam::${ACCOUNT}:role/dev` : USER },
    },
  }));

function named(name: string, doc: Doc): NamedPolicy {
  return { name, document: JSON.stringify(doc) };
}

function toPolicySet(set: SetDocs): PolicySet {
  return {
    identity: set.identity.map((doc, i) => named(`identity-${i}`, doc)),
    ...(set.resource && { resource: named('resource', set.resource) }),
    ...(set.boundary && { boundary: named('boundary', set.boundary) }),
    ...(set.session && { session: named('session', set.session) }),
  };
}

const PLACES = ['new identity policy', 'existing identity policy', 'boundary', 'session', 'resource'] as const;
type Place = (typeof PLACES)[number];

/** The set with one more statement, put in `place` (a policy is created where none was). */
function withStatement(set: SetDocs, statement: StatementDoc, place: Place): SetDocs {
  const copy = JSON.parse(JSON.stringify(set)) as SetDocs;
  const add = (doc: Doc | null): Doc => ({ Version: '2012-10-17', Statement: [...(doc?.Statement ?? []), statement] });
  switch (place) {
    case 'new identity policy':
      copy.identity.push(add(null));
      break;
    case 'existing identity policy': {
      const last = copy.identity.pop() ?? null;
      copy.identity.push(add(last));
      break;
    }
    case 'boundary':
      copy.boundary = add(copy.boundary);
      break;
    case 'session':
      copy.session = add(copy.session);
      break;
    case 'resource':
      copy.resource = add(copy.resource);
      break;
  }
  return copy;
}

const denyArb = statementArb(false).map((s): StatementDoc => ({ ...s, Effect: 'Deny' }));

// ---------------------------------------------------------------------------------------------

describe('properties of parse', () => {
  it('throws nothing but MalformedPolicyDocument or PolicySizeExceeded, whatever the text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        try {
          parse(text);
        } catch (error) {
          if (!isPolicyError(error)) throw error;
        }
      }),
      { seed: SEED, numRuns: RUNS * 5 },
    );
  });

  it('never throws from validate, for any parsed document and any kind', () => {
    fc.assert(
      fc.property(fc.oneof(policyish.map((p) => JSON.stringify(p)), damaged), fc.constantFrom(...POLICY_KINDS), (text, kind) => {
        let policy;
        try {
          policy = parse(text);
        } catch (error) {
          if (isPolicyError(error)) return;
          throw error;
        }
        expect(Array.isArray(validate(policy, kind))).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS * 2 },
    );
  });
});

describe('properties of evaluate', () => {
  it('draws scenarios that reach every decision, so that the properties below are not vacuous', () => {
    const counts: Record<string, number> = {};
    for (const { set, request } of fc.sample(scenarioArb, { seed: SEED, numRuns: 600 })) {
      const decision = evaluate(request, compile(toPolicySet(set))).decision;
      counts[decision] = (counts[decision] ?? 0) + 1;
    }
    for (const decision of ['Allow', 'ExplicitDeny', 'ImplicitDeny']) expect(counts[decision] ?? 0).toBeGreaterThan(30);
  });

  it('never turns a non-Allow into Allow, nor an ExplicitDeny into anything else, when a Deny is added', () => {
    fc.assert(
      fc.property(scenarioArb, denyArb, fc.constantFrom(...PLACES), ({ set, request }, deny, place) => {
        const before = evaluate(request, compile(toPolicySet(set))).decision;
        const after = evaluate(request, compile(toPolicySet(withStatement(set, place === 'resource' ? { ...deny, Principal: '*' } : deny, place)))).decision;
        if (before !== 'Allow') expect(after).not.toBe('Allow');
        if (before === 'ExplicitDeny') expect(after).toBe('ExplicitDeny');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('yields ExplicitDeny, naming the Deny, once a Deny that matches the request is added anywhere', () => {
    fc.assert(
      fc.property(scenarioArb, fc.constantFrom(...PLACES), fc.boolean(), ({ set, request }, place, exact) => {
        // The action in another case than the request's: actions match without regard to case.
        const deny: StatementDoc = {
          Effect: 'Deny',
          Action: exact ? request.action.toUpperCase() : '*',
          Resource: exact ? request.resource : '*',
          ...(place === 'resource' && { Principal: '*' as const }),
        };
        const decision = evaluate(request, compile(toPolicySet(withStatement(set, deny, place))));
        expect(decision.decision).toBe('ExplicitDeny');
        expect(decision.matched.some((ref) => ref.effect === 'Deny')).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('gives the same decision and the same matched statements every time it is asked', () => {
    fc.assert(
      fc.property(scenarioArb, ({ set, request }) => {
        const compiled = compile(toPolicySet(set));
        const first = evaluate(request, compiled);
        // A fresh copy of the request: nothing may hang on object identity.
        const again = evaluate(JSON.parse(JSON.stringify(request)) as Request, compiled);
        expect(again).toEqual(first);
        expect(evaluate(request, compiled)).toEqual(first);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('decides alike with a set compiled twice, or not compiled in advance at all', () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.constantFrom(...REQUESTS), { minLength: 1, maxLength: 4 }), ({ set, request }, others) => {
        const policySet = toPolicySet(set);
        const one = compile(policySet);
        const two = compile(policySet);
        for (const target of [request, ...others.map((o) => ({ ...request, ...o }))]) {
          const expected = evaluate(target, one);
          expect(evaluate(target, two)).toEqual(expected);
          expect(evaluate(target, policySet)).toEqual(expected);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
