/**
 * The policy language of Deployport IAM: parse, validate, compile and evaluate AWS-grammar JSON
 * policies. Pure: no I/O, no clock, no database.
 * @example
 * import { compile, evaluate } from 'deployport/policy';
 * const decision = evaluate({ principal, action: 'iam:ListUsers', resource: '*' }, compile(policySet));
 */
export { parse } from './parse.js';
export { validate, checkPolicy, type Diagnostic } from './validate.js';
export { compile, type CompiledPolicySet } from './compile.js';
export { evaluate } from './evaluate.js';
export { MalformedPolicyDocumentError, PolicySizeExceededError } from './errors.js';
export * from './ast.js';
export * from './types.js';
