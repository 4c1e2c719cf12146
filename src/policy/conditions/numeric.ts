/**
 * Numeric condition operators: integers and decimals, compared as numbers. A value that is not a
 * number, on either side, matches nothing.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric
 */
import type { OperatorFamily } from './operator.js';

// Stricter than Number(): no blanks, hex, 'Infinity' or empty string (which Number reads as 0).
// An exponent is allowed because String() writes large and tiny numbers that way.
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Reads a decimal number, or undefined when the text is not one. */
function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isNaN(n) ? undefined : n;
}

function numericFamily(compare: (context: number, policy: number) => boolean): OperatorFamily<number> {
  return {
    parse: parseNumber,
    test: (contextValue, policyValue) => {
      const n = parseNumber(contextValue);
      return n === undefined ? undefined : compare(n, policyValue);
    },
    variables: false,
  };
}

/** NumericEquals (and, negated, NumericNotEquals). */
export const numericEquals = numericFamily((c, p) => c === p);
/** NumericLessThan: the context value is less than the policy value. */
export const numericLessThan = numericFamily((c, p) => c < p);
/** NumericLessThanEquals: the context value is at most the policy value. */
export const numericLessThanEquals = numericFamily((c, p) => c <= p);
/** NumericGreaterThan: the context value is greater than the policy value. */
export const numericGreaterThan = numericFamily((c, p) => c > p);
/** NumericGreaterThanEquals: the context value is at least the policy value. */
export const numericGreaterThanEquals = numericFamily((c, p) => c >= p);
