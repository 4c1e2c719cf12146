/**
 * The decision: AWS's policy evaluation logic over identity-based, resource-based, permissions
 * boundary and session policies (AWS IAM UG, "Policy evaluation logic", "Cross-account policy
 * evaluation logic"). Pure and synchronous: everything it needs is in the request.
 */
import { accountOf } from './arn.js';
import { compile, principalAccount, type CompiledPolicySet, type CompiledStatement, type PrincipalMatch } from './compile.js';
import { RequestContext } from './context.js';
import type { Decision, PolicySet, PolicyType, Request, StatementRef } from './types.js';

const NONE: readonly StatementRef[] = Object.freeze([]);
const RESOURCE_ACCOUNT = 'aws:ResourceAccount';
const AWS_OWNED = 'aws';

/**
 * Decides a request against a compiled policy set (or compiles the set first, for one-off use).
 * - An explicit Deny in any policy wins.
 * - Within one account, an allow from an identity-based policy or from a resource-based policy
 *   suffices; across accounts both are needed.
 * - A permissions boundary and session policies, where given, must also allow — except that a
 *   resource-based policy naming the caller's own ARN is not limited by them.
 * @example
 * evaluate({ principal: 'arn:aws:iam::123456789012:user/alice', action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }, compiled)
 */
export function evaluate(request: Request, policies: CompiledPolicySet | PolicySet): Decision {
  const compiled = 'candidates' in policies ? policies : compile(policies);
  const context = new RequestContext(request.context);
  const candidates = compiled.candidates(request.action);

  let matched: StatementRef[] | undefined;
  let deny = false;
  let identity = false;
  let boundary = false;
  let session = false;
  let resource: PrincipalMatch | undefined;
  for (const statement of candidates) {
    const principalMatch = matches(statement, request, context);
    if (principalMatch === false) continue;
    (matched ??= []).push(statement.ref);
    if (statement.deny) {
      deny = true;
      continue;
    }
    switch (statement.ref.policyType) {
      case 'identity':
        identity = true;
        break;
      case 'boundary':
        boundary = true;
        break;
      case 'session':
        session = true;
        break;
      case 'resource':
        resource = strongest(resource, principalMatch === true ? 'role' : principalMatch);
        break;
    }
  }
  const refs = matched ?? NONE;
  if (deny) return { decision: 'ExplicitDeny', matched: refs };

  const boundaryAllows = !compiled.has.boundary || boundary;
  const sessionAllows = !compiled.has.session || session;
  if (isCrossAccount(request, context)) {
    if (identity && resource !== undefined && boundaryAllows && sessionAllows) return { decision: 'Allow', matched: refs };
    return implicitDeny(refs, {
      identity: !identity,
      resource: resource === undefined,
      boundary: !boundaryAllows,
      session: !sessionAllows,
    });
  }
  if (resource === 'principal') return { decision: 'Allow', matched: refs };
  const allowed = identity || resource === 'role';
  if (allowed && boundaryAllows && sessionAllows) return { decision: 'Allow', matched: refs };
  return implicitDeny(refs, { identity: !allowed, resource: false, boundary: !boundaryAllows, session: !sessionAllows });
}

/** Whether a statement matches; for a resource-based statement, how its Principal named the caller. */
function matches(statement: CompiledStatement, request: Request, context: RequestContext): boolean | PrincipalMatch {
  let principalMatch: PrincipalMatch | true = true;
  if (statement.principal) {
    const found = statement.principal(request.principal, context);
    if (found === undefined) return false;
    principalMatch = found;
  }
  if (statement.resource && !statement.resource(request.resource, context)) return false;
  for (const condition of statement.conditions) if (!condition(context)) return false;
  return principalMatch;
}

const STRENGTH: Record<PrincipalMatch, number> = { account: 0, role: 1, principal: 2 };

function strongest(a: PrincipalMatch | undefined, b: PrincipalMatch): PrincipalMatch {
  return a === undefined || STRENGTH[b] > STRENGTH[a] ? b : a;
}

/**
 * Across accounts only when both accounts are known and differ (an S3 ARN, say, names none).
 * Resources AWS owns (account segment `aws`, as in `arn:aws:iam::aws:policy/ReadOnlyAccess`)
 * belong to no customer account: reading them is not cross-account access.
 */
function isCrossAccount(request: Request, context: RequestContext): boolean {
  const principal = principalAccount(request.principal, context);
  if (principal === undefined) return false;
  let resource = accountOf(request.resource);
  if (resource === undefined) {
    const given = context.get(RESOURCE_ACCOUNT, RESOURCE_ACCOUNT.toLowerCase());
    resource = typeof given === 'string' && given !== '' ? given : undefined;
  }
  return resource !== undefined && resource !== principal && resource !== AWS_OWNED;
}

function implicitDeny(matched: readonly StatementRef[], lacking: Record<PolicyType, boolean>): Decision {
  const missing = (Object.keys(lacking) as PolicyType[]).filter((type) => lacking[type]);
  return { decision: 'ImplicitDeny', matched, missing };
}
