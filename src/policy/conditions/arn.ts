/**
 * ARN condition operators. AWS reads ArnEquals and ArnLike alike: each of the six colon-delimited
 * segments is matched on its own, case-sensitively, with `*` and `?` wildcards. So one family
 * serves ArnEquals, ArnLike and (negated) ArnNotEquals and ArnNotLike.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
 */
import type { OperatorFamily } from './operator.js';
import { compileArnPattern } from '../arn.js';
import type { Matcher } from '../wildcard.js';

/** ArnLike, and ArnEquals, which AWS evaluates the same way. */
export const arnLike: OperatorFamily<Matcher> = {
  parse: (policyValue) => compileArnPattern(policyValue),
  test: (contextValue, matcher) => matcher(contextValue),
  variables: true,
  wildcards: true,
};
