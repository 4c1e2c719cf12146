/**
 * The evaluator's behaviour, as JSON fixtures: each file holds policy sets and the decisions AWS
 * makes for requests against them. One runner reads them all.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile, evaluate, type Decision, type NamedPolicy, type PolicySet, type Request } from '../../src/policy/index.js';

interface FixturePolicy {
  name: string;
  /** The document as a JSON value, or as text when the exact text matters. */
  document: unknown;
}

interface FixtureCase {
  it: string;
  request: Request;
  decision: Decision['decision'];
  /** Matched statements as `policyName#index`, in order; checked when given. */
  matched?: string[];
  missing?: string[];
}

interface FixtureGroup {
  description: string;
  source?: string;
  policies: {
    identity?: FixturePolicy[];
    resource?: FixturePolicy[];
    boundary?: FixturePolicy[];
    session?: FixturePolicy[];
  };
  cases: FixtureCase[];
}

const dir = new URL('./fixtures/', import.meta.url);

function named(list: FixturePolicy[] | undefined): NamedPolicy[] | undefined {
  return list?.map(({ name, document }) => ({
    name,
    document: typeof document === 'string' ? document : JSON.stringify(document),
  }));
}

function toPolicySet(policies: FixtureGroup['policies']): PolicySet {
  return {
    identity: named(policies.identity) ?? [],
    resource: named(policies.resource),
    boundary: named(policies.boundary),
    session: named(policies.session),
  };
}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const groups = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as FixtureGroup[];
  describe(file, () => {
    for (const group of groups) {
      describe(group.description, () => {
        const compiled = compile(toPolicySet(group.policies));
        for (const c of group.cases) {
          it(c.it, () => {
            const result = evaluate(c.request, compiled);
            expect(result.decision).toBe(c.decision);
            if (c.matched) expect(result.matched.map((m) => `${m.policyId}#${m.index}`)).toEqual(c.matched);
            if (c.missing) expect(result.missing ?? []).toEqual(c.missing);
            // The same set uncompiled gives the same answer: compile is only a speed-up.
            expect(evaluate(c.request, toPolicySet(group.policies)).decision).toBe(c.decision);
          });
        }
      });
    }
  });
}
