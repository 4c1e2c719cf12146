/**
 * The policy language's syntax tree: what `parse` produces and `validate` and `compile` consume.
 * Wire names (Effect, Sid…) become camelCase fields; values stay the strings the author wrote.
 */

export const POLICY_VERSIONS = ['2012-10-17', '2008-10-17'] as const;
export type PolicyVersion = (typeof POLICY_VERSIONS)[number];

export const EFFECTS = ['Allow', 'Deny'] as const;
export type Effect = (typeof EFFECTS)[number];

export const PRINCIPAL_TYPES = ['AWS', 'Service', 'Federated', 'CanonicalUser'] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/** The kinds of policy AWS knows; each has its own validation rules and size limit. */
export const POLICY_KINDS = ['identity', 'resource', 'trust', 'boundary', 'session'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

/** A parsed policy document. */
export interface Policy {
  /** Undefined when the document has no Version: policy variables are then literal text. */
  readonly version: PolicyVersion | undefined;
  readonly id: string | undefined;
  /** True when Statement was written as an array (it matters only for round-tripping). */
  readonly statementIsArray: boolean;
  readonly statements: readonly Statement[];
  /** Characters in the document that are not white space: what AWS's size quotas count. */
  readonly size: number;
}

export interface Statement {
  /** Position in the document's Statement list (0 for a lone statement object). */
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: Effect;
  readonly principal: PrincipalBlock | undefined;
  readonly action: MatchBlock | undefined;
  readonly resource: MatchBlock | undefined;
  readonly conditions: readonly Condition[];
}

/** Action/NotAction or Resource/NotResource: `not` tells which element was written. */
export interface MatchBlock {
  readonly not: boolean;
  readonly values: readonly string[];
}

/** Principal/NotPrincipal. `"*"` is `{ wildcard: true }`; `{"AWS":"*"}` is an AWS entry "*". */
export interface PrincipalBlock {
  readonly not: boolean;
  readonly wildcard: boolean;
  readonly entries: readonly PrincipalEntry[];
}

export interface PrincipalEntry {
  readonly type: PrincipalType;
  readonly value: string;
}

/** One operator → key → values triple of a Condition block. JSON booleans and numbers become strings. */
export interface Condition {
  /** The operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
}
