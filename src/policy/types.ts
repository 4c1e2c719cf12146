/** The engine's inputs and outputs: policy sets, requests and decisions. */
import type { Effect, Policy, PolicyKind } from './ast.js';

/** The policy types of AWS's evaluation logic, as a decision names them. */
export const POLICY_TYPES = ['identity', 'resource', 'boundary', 'session'] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

/** A policy by name: the document as JSON text, or already parsed. */
export interface NamedPolicy {
  readonly name: string;
  readonly document: string | Policy;
  /** The kind to validate it as, when not its place's usual one (a role's trust policy is a `trust` resource policy). */
  readonly kind?: PolicyKind;
}

/**
 * Every policy that applies to one principal (and, where given, one resource).
 * Several boundary or session policies are read as AWS reads a session's policies: an allow in
 * any of them is an allow of that type.
 */
export interface PolicySet {
  readonly identity: readonly NamedPolicy[];
  readonly resource?: NamedPolicy | readonly NamedPolicy[];
  readonly boundary?: NamedPolicy | readonly NamedPolicy[];
  readonly session?: NamedPolicy | readonly NamedPolicy[];
}

/** A condition key's value in the request context: one value or a set. */
export type ContextValue = string | number | boolean | readonly string[];

/** What is asked: may `principal` perform `action` on `resource`, given the context? */
export interface Request {
  /**
   * Who asks: an ARN (user, role, assumed-role session, account root), or a service or federated
   * principal's name (`ec2.amazonaws.com`, `cognito-identity.amazonaws.com`).
   */
  readonly principal: string;
  /** `service:Action`, matched without regard to case. */
  readonly action: string;
  /** The resource's ARN, or `*`. Matched with regard to case. */
  readonly resource: string;
  /**
   * Condition keys and their values; keys are matched without regard to case. For an assumed-role
   * session `aws:PrincipalArn` is the role's ARN, as in AWS; `aws:username`, `aws:userid`,
   * `aws:PrincipalAccount`, `aws:PrincipalTag/…` feed policy variables. Several records are read
   * as one, a later record's key over an earlier one's.
   */
  readonly context?: Readonly<Record<string, ContextValue | undefined>> | readonly Readonly<Record<string, ContextValue | undefined>>[];
}

/** A statement that matched the request. */
export interface StatementRef {
  readonly policyType: PolicyType;
  /** The policy's name as given in the policy set. */
  readonly policyId: string;
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: Effect;
}

export const DECISIONS = ['Allow', 'ExplicitDeny', 'ImplicitDeny'] as const;
export type DecisionKind = (typeof DECISIONS)[number];

/** The engine's answer, with its reasons. */
export interface Decision {
  readonly decision: DecisionKind;
  /** Every statement that matched the request, Allow and Deny, in policy-set order. */
  readonly matched: readonly StatementRef[];
  /** For an ImplicitDeny: the policy types whose allow was needed and missing. */
  readonly missing?: readonly PolicyType[];
}
