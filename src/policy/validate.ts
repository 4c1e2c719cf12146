/**
 * Stage two of the policy engine: a parsed policy + the kind of policy it is → every problem with
 * it, as diagnostics. Never throws; `checkPolicy` is the throwing front door the API uses.
 * Rules and messages follow AWS IAM (IAM UG "IAM JSON policy element reference", "IAM and AWS STS
 * quotas", and the MalformedPolicyDocument messages IAM returns).
 */
import type { Condition, MatchBlock, Policy, PolicyKind, PrincipalEntry, Statement } from './ast.js';
import { splitArn } from './arn.js';
import { parseOperator } from './conditions/index.js';
import { MalformedPolicyDocumentError, PolicySizeExceededError, pointerOf } from './errors.js';
import { parse } from './parse.js';

/** One problem found in a policy: an error makes the policy unusable, a warning does not. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  code: 'MalformedPolicyDocument' | 'LimitExceeded';
  message: string;
  /** JSON pointer (RFC 6901) to the offending element; `''` for the whole document. */
  pointer: string;
}

/** Options of `validate` and `checkPolicy`. */
export interface ValidateOptions {
  /** Size quota in non-white-space characters; defaults per kind (DEFAULT_MAX_SIZE); `Infinity` disables. */
  maxSize?: number;
  /** ARN partitions accepted in Resource and Principal; defaults to AWS's (AWS_PARTITIONS). */
  partitions?: readonly string[];
}

/**
 * Size quotas per kind, in non-white-space characters (IAM UG "IAM and AWS STS quotas"): managed
 * policies 6144, role trust policies 2048, session policies 2048; 20480 is the largest
 * resource-based policy quota (S3 bucket policies).
 */
export const DEFAULT_MAX_SIZE: Readonly<Record<PolicyKind, number>> = {
  identity: 6144,
  boundary: 6144,
  session: 2048,
  trust: 2048,
  resource: 20480,
};

/** AWS's partitions: the ARN partitions accepted when no other list is given. */
export const AWS_PARTITIONS: readonly string[] = [
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
];

/** Actions a role trust policy may allow (IAM UG "IAM JSON policy elements: Principal", role trust policies). */
export const TRUST_POLICY_ACTIONS: readonly string[] = [
  'sts:AssumeRole',
  'sts:AssumeRoleWithWebIdentity',
  'sts:AssumeRoleWithSAML',
  'sts:TagSession',
  'sts:SetSourceIdentity',
  'sts:SetContext',
];
const TRUST_ACTIONS_LOWER = new Set(TRUST_POLICY_ACTIONS.map((a) => a.toLowerCase()));

const SID = /^[A-Za-z0-9]*$/;
const VENDOR = /^[A-Za-z0-9-]+$/;
const ACTION_NAME = /^[A-Za-z0-9*?]+$/;
const ACCOUNT_ID = /^\d{12}$/;
// Service principals and federated identity-provider names are DNS names.
const DNS_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const CANONICAL_USER = /^[0-9A-Fa-f]{64}$/;
// A condition key is `prefix:name`; prefixes such as `oidc.eks…/id/X` have dots and slashes, and
// tag names in the key may have spaces, so only the prefix is kept free of blanks.
const CONDITION_KEY = /^[^\s:]+:.+$/;

const NO_PRINCIPAL_KINDS: ReadonlySet<PolicyKind> = new Set(['identity', 'boundary', 'session']);
// IAM stores these kinds itself and holds their Sids to its alphanumeric rule; resource-based
// policies belong to other services (S3 accepts `Sid: "Allow read"`).
const ALPHANUMERIC_SID_KINDS: ReadonlySet<PolicyKind> = new Set(['identity', 'boundary', 'session', 'trust']);

/**
 * Checks a parsed policy against the rules of its kind and returns every problem, errors and
 * warnings, in document order (the size quota first). Never throws.
 * @example validate(parse(text), 'identity').filter((d) => d.severity === 'error')
 */
export function validate(policy: Policy, kind: PolicyKind, options: ValidateOptions = {}): Diagnostic[] {
  const v = new Validator(kind, options.partitions ?? AWS_PARTITIONS);
  try {
    v.run(policy, maxSizeOf(kind, options));
  } catch (err) {
    // Only a hand-built, ill-typed Policy can get here; report it rather than throw.
    v.error(`Policy could not be validated: ${err instanceof Error ? err.message : String(err)}`, '');
  }
  return v.diagnostics;
}

/**
 * Parses and validates a policy document, throwing the first error as the API answers it:
 * PolicySizeExceededError (409 LimitExceeded) or MalformedPolicyDocumentError (400).
 * @example const policy = checkPolicy(body.PolicyDocument, 'identity');
 */
export function checkPolicy(text: string, kind: PolicyKind, options: ValidateOptions = {}): Policy {
  const policy = parse(text);
  const first = validate(policy, kind, options).find((d) => d.severity === 'error');
  if (first?.code === 'LimitExceeded') throw new PolicySizeExceededError(policy.size, maxSizeOf(kind, options));
  if (first) throw new MalformedPolicyDocumentError(first.message, first.pointer);
  return policy;
}

function maxSizeOf(kind: PolicyKind, options: ValidateOptions): number {
  return options.maxSize ?? DEFAULT_MAX_SIZE[kind] ?? Infinity;
}

class Validator {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    private readonly kind: PolicyKind,
    private readonly partitions: readonly string[],
  ) {}

  error(message: string, pointer: string, code: Diagnostic['code'] = 'MalformedPolicyDocument'): void {
    this.diagnostics.push({ severity: 'error', code, message, pointer });
  }

  warning(message: string, pointer: string): void {
    this.diagnostics.push({ severity: 'warning', code: 'MalformedPolicyDocument', message, pointer });
  }

  run(policy: Policy, maxSize: number): void {
    if (policy.size > maxSize) this.error(`Cannot exceed quota for PolicySize: ${maxSize}`, '', 'LimitExceeded');

    if (policy.version === undefined) {
      // Without a Version, AWS reads the policy as 2008-10-17, where `${…}` is literal text.
      this.warning(
        'Policy has no Version: policy variables such as ${aws:username} will not be substituted. Add "Version": "2012-10-17".',
        '',
      );
    } else if (policy.version === '2008-10-17' && usesVariables(policy)) {
      this.warning(
        'Version 2008-10-17 does not substitute policy variables: ${…} is matched as literal text. Use "2012-10-17".',
        '/Version',
      );
    }

    const sids = new Set<string>();
    for (const statement of policy.statements) {
      const at: (string | number)[] = policy.statementIsArray ? ['Statement', statement.index] : ['Statement'];
      this.statement(statement, at, sids);
    }
  }

  private statement(s: Statement, at: readonly (string | number)[], sids: Set<string>): void {
    const ptr = (...rest: (string | number)[]): string => pointerOf([...at, ...rest]);

    if (s.sid !== undefined) {
      if (ALPHANUMERIC_SID_KINDS.has(this.kind) && !SID.test(s.sid)) {
        this.error(
          'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
          ptr('Sid'),
        );
      }
      if (s.sid !== '') {
        if (sids.has(s.sid)) this.error('Statement IDs (SID) in a single policy must be unique.', ptr('Sid'));
        sids.add(s.sid);
      }
    }

    const principalName = s.principal?.not ? 'NotPrincipal' : 'Principal';
    if (NO_PRINCIPAL_KINDS.has(this.kind)) {
      if (s.principal) this.error('Policy document should not specify a principal.', ptr(principalName));
    } else if (!s.principal) {
      this.error('Missing required field Principal', ptr());
    } else {
      for (const entry of s.principal.entries) this.principalEntry(entry, ptr(principalName, entry.type));
    }

    const actionName = s.action?.not ? 'NotAction' : 'Action';
    if (!s.action) {
      this.error('Policy statement must contain actions.', ptr());
    } else {
      this.actions(s.action, ptr(actionName));
    }

    const resourceName = s.resource?.not ? 'NotResource' : 'Resource';
    if (this.kind === 'trust') {
      // Role trust policies name no resource: the role is the resource.
      if (s.resource) this.error(`Has prohibited field ${resourceName}`, ptr(resourceName));
    } else if (!s.resource) {
      this.error('Policy statement must contain resources.', ptr());
    } else {
      for (const value of s.resource.values) this.resource(value, ptr(resourceName));
    }

    const reported = new Set<string>();
    for (const condition of s.conditions) {
      this.condition(condition, ptr('Condition', condition.operator), reported);
    }
  }

  private actions(block: MatchBlock, pointer: string): void {
    for (const value of block.values) {
      if (value === '*') continue;
      const colon = value.indexOf(':');
      if (colon < 0) {
        this.error(`Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. Invalid action: ${value}`, pointer);
        continue;
      }
      const vendor = value.slice(0, colon);
      const name = value.slice(colon + 1);
      if (!VENDOR.test(vendor)) {
        this.error(
          `Action vendor must contain only letters, digits and hyphens, without wildcards: ${value}`,
          pointer,
        );
        continue;
      }
      if (!ACTION_NAME.test(name)) {
        this.error(`Action name must contain only letters, digits and the wildcards * and ?: ${value}`, pointer);
        continue;
      }
      if (this.kind === 'trust' && !block.not && !isTrustAction(vendor, name)) {
        this.error(`AssumeRole policy may only specify STS AssumeRole actions. Invalid action: ${value}`, pointer);
      }
    }
  }

  private resource(value: string, pointer: string): void {
    if (value === '*') return;
    const parts = value.startsWith('arn:') ? splitArn(value) : undefined;
    const ok =
      parts !== undefined &&
      this.partitionOk(parts[1]!, true) &&
      parts[2] !== '' &&
      parts[5] !== '';
    if (!ok) this.error(`Resource ${value} must be in ARN format or "*".`, pointer);
  }

  private principalEntry(entry: PrincipalEntry, pointer: string): void {
    const { type, value } = entry;
    let ok: boolean;
    switch (type) {
      case 'AWS':
        ok = value === '*' || ACCOUNT_ID.test(value) || this.principalArn(value);
        break;
      case 'Service':
        ok = DNS_NAME.test(value);
        break;
      case 'Federated':
        ok = DNS_NAME.test(value) || this.providerArn(value);
        break;
      case 'CanonicalUser':
        ok = CANONICAL_USER.test(value);
        break;
      default:
        ok = false;
    }
    if (!ok) this.error(`Invalid principal in policy: ${JSON.stringify(type)}:${JSON.stringify(value)}`, pointer);
  }

  /** An IAM or STS principal ARN; AWS rejects wildcards in Principal ARNs (only a bare "*"). */
  private principalArn(value: string): boolean {
    if (value.includes('*') || value.includes('?')) return false;
    const parts = value.startsWith('arn:') ? splitArn(value) : undefined;
    if (!parts || !this.partitionOk(parts[1]!, false) || parts[3] !== '' || !ACCOUNT_ID.test(parts[4]!)) return false;
    const resource = parts[5]!;
    if (parts[2] === 'iam') return resource === 'root' || /^[a-z-]+\/./.test(resource);
    if (parts[2] === 'sts') return /^(assumed-role|federated-user)\/./.test(resource);
    return false;
  }

  /** A SAML or OIDC identity provider registered in IAM. */
  private providerArn(value: string): boolean {
    const parts = value.startsWith('arn:') ? splitArn(value) : undefined;
    return (
      parts !== undefined &&
      this.partitionOk(parts[1]!, false) &&
      parts[2] === 'iam' &&
      parts[3] === '' &&
      ACCOUNT_ID.test(parts[4]!) &&
      /^(saml-provider|oidc-provider)\/./.test(parts[5]!)
    );
  }

  private partitionOk(partition: string, allowPatterns: boolean): boolean {
    if (allowPatterns && (partition.includes('*') || partition.includes('?') || partition.includes('${'))) return true;
    return this.partitions.includes(partition);
  }

  private condition(c: Condition, pointer: string, reported: Set<string>): void {
    const spec = parseOperator(c.operator);
    if (!spec) {
      // One report per operator, though the operator's block may have many keys.
      if (!reported.has(pointer)) this.error(`Invalid condition operator: ${c.operator}`, pointer);
      reported.add(pointer);
      return;
    }
    const keyPointer = pointer + pointerOf([c.key]);
    if (!CONDITION_KEY.test(c.key)) {
      this.error(`Condition key ${c.key} must be of the form prefix:name, e.g. aws:SourceIp.`, keyPointer);
    }
    if (spec.base === 'Null') {
      for (const value of c.values) {
        const lower = value.toLowerCase();
        if (lower !== 'true' && lower !== 'false') {
          this.error(`Null condition value must be true or false, not ${JSON.stringify(value)}.`, keyPointer);
        }
      }
      return;
    }
    const family = spec.base.family;
    for (const value of c.values) {
      // A value with a policy variable is read after substitution, at evaluation time.
      if (family.variables && value.includes('${')) continue;
      let parsed: unknown;
      try {
        parsed = family.parse(value);
      } catch {
        parsed = undefined;
      }
      if (parsed === undefined) {
        this.error(`Invalid value ${JSON.stringify(value)} for condition operator ${c.operator}.`, keyPointer);
      }
    }
  }
}

function isTrustAction(vendor: string, name: string): boolean {
  if (vendor.toLowerCase() !== 'sts') return false;
  if (name.includes('*') || name.includes('?')) return true;
  return TRUST_ACTIONS_LOWER.has(`sts:${name.toLowerCase()}`);
}

/** Whether any string of the policy has `${`, the start of a policy variable. */
function usesVariables(policy: Policy): boolean {
  const has = (s: string): boolean => s.includes('${');
  return policy.statements.some(
    (s) =>
      s.action?.values.some(has) ||
      s.resource?.values.some(has) ||
      s.principal?.entries.some((e) => has(e.value)) ||
      s.conditions.some((c) => has(c.key) || c.values.some(has)),
  );
}
