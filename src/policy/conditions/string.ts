/**
 * String condition operators: StringEquals, StringEqualsIgnoreCase and StringLike (and their Not
 * forms, which the registry marks as negated). Policy variables are substituted in all of them.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
 */
import type { OperatorFamily } from './operator.js';
import { compileGlob, type Matcher } from '../wildcard.js';

/** StringEquals: exact, case-sensitive. */
export const stringEquals: OperatorFamily<string> = {
  parse: (policyValue) => policyValue,
  test: (contextValue, policyValue) => contextValue === policyValue,
  variables: true,
};

/** StringEqualsIgnoreCase: equal after lower-casing both sides (locale-independent). */
export const stringEqualsIgnoreCase: OperatorFamily<string> = {
  parse: (policyValue) => policyValue.toLowerCase(),
  test: (contextValue, policyValue) => contextValue.toLowerCase() === policyValue,
  variables: true,
};

/** StringLike: `*` and `?` wildcards over the whole value, case-sensitive; compiled once at parse. */
export const stringLike: OperatorFamily<Matcher> = {
  parse: (policyValue) => compileGlob(policyValue),
  test: (contextValue, matcher) => matcher(contextValue),
  variables: true,
  wildcards: true,
};
