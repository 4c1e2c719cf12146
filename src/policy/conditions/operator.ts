/**
 * The condition operators. Each family (string, numeric, date, …) lives in a file of its own and
 * says only how one context value compares with one policy value; negation, `IfExists` and the
 * `ForAnyValue:` / `ForAllValues:` qualifiers are applied once, in compile.ts, for all of them.
 */

/** How one family of operators reads policy values and compares a context value with one. */
export interface OperatorFamily<P = unknown> {
  /**
   * Reads a policy value once, when the policy compiles (or at evaluation, for a value that had
   * policy variables in it). Undefined means the value is unusable and matches nothing.
   */
  parse(policyValue: string): P | undefined;
  /**
   * Whether one context value satisfies one parsed policy value; undefined when the context value
   * cannot be read at all (a malformed address, say), so that a Deny can fail closed.
   */
  test(contextValue: string, policyValue: P): boolean | undefined;
  /** Whether `${…}` policy variables are substituted in this family's policy values. */
  readonly variables: boolean;
  /** Whether policy values are patterns with `*` and `?`, so that `${*}` must stay a literal `*`. */
  readonly wildcards?: boolean;
}

/** A base operator: a family and whether its sense is negated (StringNotEquals, NotIpAddress…). */
export interface BaseOperator {
  readonly name: string;
  readonly family: OperatorFamily;
  readonly negated: boolean;
}

export const SET_QUALIFIERS = ['ForAnyValue', 'ForAllValues'] as const;
export type SetQualifier = (typeof SET_QUALIFIERS)[number];

/** An operator as written, taken apart: `ForAllValues:StringLikeIfExists`. */
export interface OperatorSpec {
  readonly base: BaseOperator | 'Null';
  readonly qualifier: SetQualifier | undefined;
  readonly ifExists: boolean;
}
