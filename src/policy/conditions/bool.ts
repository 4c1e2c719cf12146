/**
 * The Bool condition operator: `true` or `false`, without regard to case; anything else matches
 * nothing.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Boolean
 */
import type { OperatorFamily } from './operator.js';

function parseBool(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

/** Bool: the context value's truth equals the policy value's. */
export const bool: OperatorFamily<boolean> = {
  parse: parseBool,
  test: (contextValue, policyValue) => {
    const truth = parseBool(contextValue);
    return truth === undefined ? undefined : truth === policyValue;
  },
  variables: false,
};
