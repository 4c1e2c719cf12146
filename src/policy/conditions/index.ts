/**
 * The registry of condition operators: every base operator by its exact AWS name, and the parser
 * that takes a written operator apart (`ForAllValues:StringLikeIfExists`).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 */
import type { BaseOperator, OperatorFamily, OperatorSpec, SetQualifier } from './operator.js';
import { SET_QUALIFIERS } from './operator.js';
import { stringEquals, stringEqualsIgnoreCase, stringLike } from './string.js';
import {
  numericEquals,
  numericGreaterThan,
  numericGreaterThanEquals,
  numericLessThan,
  numericLessThanEquals,
} from './numeric.js';
import {
  dateEquals,
  dateGreaterThan,
  dateGreaterThanEquals,
  dateLessThan,
  dateLessThanEquals,
} from './date.js';
import { bool } from './bool.js';
import { binaryEquals } from './binary.js';
import { ipAddress } from './ip.js';
import { arnLike } from './arn.js';

// [name, family, negated]: a Not form shares its positive form's family; the caller negates.
const TABLE: ReadonlyArray<readonly [string, OperatorFamily, boolean]> = [
  ['StringEquals', stringEquals, false],
  ['StringNotEquals', stringEquals, true],
  ['StringEqualsIgnoreCase', stringEqualsIgnoreCase, false],
  ['StringNotEqualsIgnoreCase', stringEqualsIgnoreCase, true],
  ['StringLike', stringLike, false],
  ['StringNotLike', stringLike, true],
  ['NumericEquals', numericEquals, false],
  ['NumericNotEquals', numericEquals, true],
  ['NumericLessThan', numericLessThan, false],
  ['NumericLessThanEquals', numericLessThanEquals, false],
  ['NumericGreaterThan', numericGreaterThan, false],
  ['NumericGreaterThanEquals', numericGreaterThanEquals, false],
  ['DateEquals', dateEquals, false],
  ['DateNotEquals', dateEquals, true],
  ['DateLessThan', dateLessThan, false],
  ['DateLessThanEquals', dateLessThanEquals, false],
  ['DateGreaterThan', dateGreaterThan, false],
  ['DateGreaterThanEquals', dateGreaterThanEquals, false],
  ['Bool', bool, false],
  ['BinaryEquals', binaryEquals, false],
  ['IpAddress', ipAddress, false],
  ['NotIpAddress', ipAddress, true],
  ['ArnEquals', arnLike, false],
  ['ArnLike', arnLike, false],
  ['ArnNotEquals', arnLike, true],
  ['ArnNotLike', arnLike, true],
];

/** Every base operator (all but Null) by its exact, case-sensitive AWS name. */
export const BASE_OPERATORS: ReadonlyMap<string, BaseOperator> = new Map(
  TABLE.map(([name, family, negated]) => [name, Object.freeze({ name, family, negated })]),
);

/** Every operator name without qualifier or `IfExists`: the base operators, then Null. */
export const OPERATOR_NAMES: readonly string[] = Object.freeze([...BASE_OPERATORS.keys(), 'Null']);

const IF_EXISTS = 'IfExists';

function isSetQualifier(text: string): text is SetQualifier {
  return (SET_QUALIFIERS as readonly string[]).includes(text);
}

/**
 * Takes an operator as written apart into its base, set qualifier and `IfExists`; undefined when
 * it is not one AWS knows. Names are case-sensitive, and Null has no `IfExists` form.
 * @example parseOperator('ForAllValues:StringLikeIfExists') // { base: StringLike, qualifier: 'ForAllValues', ifExists: true }
 */
export function parseOperator(name: string): OperatorSpec | undefined {
  let rest = name;
  let qualifier: SetQualifier | undefined;
  const colon = name.indexOf(':');
  if (colon >= 0) {
    const prefix = name.slice(0, colon);
    if (!isSetQualifier(prefix)) return undefined;
    qualifier = prefix;
    rest = name.slice(colon + 1);
  }
  if (rest === 'Null') return { base: 'Null', qualifier, ifExists: false };
  const ifExists = rest.endsWith(IF_EXISTS);
  const baseName = ifExists ? rest.slice(0, -IF_EXISTS.length) : rest;
  const base = BASE_OPERATORS.get(baseName);
  return base ? { base, qualifier, ifExists } : undefined;
}
