/**
 * GetContextKeysForPrincipalPolicy and GetContextKeysForCustomPolicy (IAM API Reference): the
 * condition keys that policies use, so that a simulation can be given values for them. AWS lists
 * the keys of Condition blocks and the policy variables (`${aws:username}`) of Resource and
 * condition values, each once.
 */
import type {
  GetContextKeysForCustomPolicyRequest,
  GetContextKeysForPolicyResponse,
  GetContextKeysForPrincipalPolicyRequest,
} from '@aws-sdk/client-iam';
import { groupPolicySet, rolePolicySet, userPolicySet } from '../authz/policies.js';
import { MalformedPolicyDocumentError, parse, type Policy } from '../policy/index.js';
import { entityArn } from './arns.js';
import type { Handler, Input, OperationContext } from './context.js';
import { InvalidInput, NoSuchEntity } from './errors.js';
import { NAMED_ENTITIES, requireEntity } from './named-entities.js';
import { decodeDocument } from './policy-documents.js';

const VARIABLE = /\$\{([^}]*)\}/g;

/** The context keys a value's policy variables name; `${*}`, `${?}` and `${$}` are escapes, not keys. */
function variablesIn(value: string): string[] {
  const keys: string[] = [];
  for (const m of value.matchAll(VARIABLE)) {
    const inner = (m[1] ?? '').split(',')[0]?.trim() ?? '';
    if (inner === '' || inner === '*' || inner === '?' || inner === '$') continue;
    keys.push(inner);
  }
  return keys;
}

/** The keys one parsed policy uses, in document order, duplicates included. */
export function contextKeysOf(policy: Policy): string[] {
  // Variables are only variables in documents of Version 2012-10-17 (IAM UG, "Policy variables").
  const variables = policy.version === '2012-10-17';
  const keys: string[] = [];
  for (const statement of policy.statements) {
    if (variables) for (const value of statement.resource?.values ?? []) keys.push(...variablesIn(value));
    for (const condition of statement.conditions) {
      keys.push(condition.key);
      if (variables) for (const value of condition.values) keys.push(...variablesIn(value));
    }
  }
  return keys;
}

/** The keys of several documents, each once: keys match without regard to case, so the first spelling stands. */
export function contextKeys(documents: readonly (string | Policy)[]): string[] {
  const seen = new Map<string, string>();
  for (const document of documents) {
    for (const key of contextKeysOf(typeof document === 'string' ? parse(document) : document)) if (!seen.has(key.toLowerCase())) seen.set(key.toLowerCase(), key);
  }
  return [...seen.values()];
}

/** The documents of PolicyInputList, parsed once to refuse a malformed one with InvalidInput as AWS does. */
function inputDocuments(list: readonly string[] | undefined): string[] {
  return (list ?? []).map((text, i) => {
    const document = decodeDocument(text);
    try {
      parse(document);
    } catch (error) {
      if (error instanceof MalformedPolicyDocumentError) throw new InvalidInput(`PolicyInputList.${i + 1}: ${error.message}`);
      throw error;
    }
    return document;
  });
}

export const GetContextKeysForCustomPolicy: Handler<Input<GetContextKeysForCustomPolicyRequest>, GetContextKeysForPolicyResponse> = async (input) => ({
  ContextKeyNames: contextKeys(inputDocuments(input.PolicyInputList)),
});

/** The stored policies of the user (with its groups'), group or role an ARN names. */
async function principalDocuments(context: OperationContext, sourceArn: string): Promise<(string | Policy)[]> {
  const db = context.store.db;
  const match = /^arn:[^:]+:iam::(\d{12}):(user|group|role)(\/(?:.*\/)?)([^/]+)$/.exec(sourceArn);
  if (!match || match[1] !== context.caller.accountId) throw new InvalidInput(`Invalid Entity Arn: ${sourceArn} does not clearly define entity type and name.`);
  const kind = match[2] as 'user' | 'group' | 'role';
  const row = await requireEntity(db, context, kind, match[4] ?? '');
  if (entityArn(context, kind, row.path, row.name) !== sourceArn) throw new NoSuchEntity(NAMED_ENTITIES[kind].missing(row.name));
  const set = await (kind === 'user' ? userPolicySet : kind === 'role' ? rolePolicySet : groupPolicySet)(db, row.id);
  // The attached, inline and group policies; AWS leaves the permissions boundary out.
  return set.identity.map((policy) => policy.document);
}

export const GetContextKeysForPrincipalPolicy: Handler<Input<GetContextKeysForPrincipalPolicyRequest>, GetContextKeysForPolicyResponse> = async (input, context) => {
  const given = inputDocuments(input.PolicyInputList);
  const stored = await principalDocuments(context, input.PolicySourceArn);
  return { ContextKeyNames: contextKeys([...stored, ...given]) };
};
