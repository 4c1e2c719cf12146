/**
 * Stage one of the policy engine: JSON text → the syntax tree of ast.ts. Enforces the grammar's
 * shape and types only; what a policy kind allows (Principal or not, ARN formats, operators) is
 * validate.ts's job. Grammar: AWS IAM UG "IAM JSON policy element reference" and "Grammar of the
 * IAM JSON policy language".
 */
import {
  EFFECTS,
  POLICY_VERSIONS,
  PRINCIPAL_TYPES,
  type Condition,
  type Effect,
  type MatchBlock,
  type Policy,
  type PolicyVersion,
  type PrincipalBlock,
  type PrincipalEntry,
  type PrincipalType,
  type Statement,
} from './ast.js';
import { MalformedPolicyDocumentError, pointerOf } from './errors.js';
import { parseJson, type JsonNode } from './json.js';

type Path = readonly (string | number)[];
type ObjectNode = Extract<JsonNode, { kind: 'object' }>;

const TOP_LEVEL_ELEMENTS = ['Version', 'Id', 'Statement'] as const;
const STATEMENT_ELEMENTS = [
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
] as const;

/**
 * Parses a policy document. Throws MalformedPolicyDocumentError with a JSON pointer to the fault.
 * @example parse('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}')
 */
export function parse(text: string): Policy {
  const { root, size } = parseJson(text);
  const top = expectObject(root, [], 'Policy document must be a JSON object.');
  checkElements(top, TOP_LEVEL_ELEMENTS, []);

  let version: PolicyVersion | undefined;
  const versionNode = top.entries.get('Version');
  if (versionNode) {
    const v = expectString(versionNode, ['Version'], 'Version');
    if (!isOneOf(v, POLICY_VERSIONS)) {
      // AWS's answer to an unknown Version date.
      fail(`The policy failed legacy parsing: Version must be one of ${POLICY_VERSIONS.join(', ')}.`, ['Version']);
    }
    version = v;
  }

  const idNode = top.entries.get('Id');
  const id = idNode ? expectString(idNode, ['Id'], 'Id') : undefined;

  const statementNode = top.entries.get('Statement');
  if (!statementNode) fail('Missing required field Statement', []);
  const statements: Statement[] = [];
  let statementIsArray = false;
  if (statementNode.kind === 'array') {
    statementIsArray = true;
    if (statementNode.items.length === 0) fail('Statement must not be an empty array.', ['Statement']);
    statementNode.items.forEach((item, index) => statements.push(statement(item, index, ['Statement', index])));
  } else if (statementNode.kind === 'object') {
    statements.push(statement(statementNode, 0, ['Statement']));
  } else {
    fail('Statement must be an object or a non-empty array of objects.', ['Statement']);
  }

  return { version, id, statementIsArray, statements, size };
}

function statement(node: JsonNode, index: number, path: Path): Statement {
  const obj = expectObject(node, path, 'A statement must be a JSON object.');
  checkElements(obj, STATEMENT_ELEMENTS, path);
  const e = obj.entries;

  const sidNode = e.get('Sid');
  const sid = sidNode ? expectString(sidNode, [...path, 'Sid'], 'Sid') : undefined;

  const effectNode = e.get('Effect');
  if (!effectNode) fail('Missing required field Effect', path);
  const effectText = expectString(effectNode, [...path, 'Effect'], 'Effect');
  if (!isOneOf(effectText, EFFECTS)) fail(`Invalid effect: ${effectText}`, [...path, 'Effect']);
  const effect: Effect = effectText;

  const principal = principalBlock(obj, path);
  const action = matchBlock(obj, 'Action', 'NotAction', path);
  const resource = matchBlock(obj, 'Resource', 'NotResource', path);

  const conditionNode = e.get('Condition');
  const conditions = conditionNode ? conditionBlock(conditionNode, [...path, 'Condition']) : [];

  return { index, sid, effect, principal, action, resource, conditions };
}

/** Action/NotAction or Resource/NotResource: a non-empty string or a non-empty array of them. */
function matchBlock(obj: ObjectNode, name: string, notName: string, path: Path): MatchBlock | undefined {
  const yes = obj.entries.get(name);
  const no = obj.entries.get(notName);
  if (yes && no) fail(`A statement cannot have both ${name} and ${notName}.`, [...path, notName]);
  const node = yes ?? no;
  if (!node) return undefined;
  const elementPath = [...path, yes ? name : notName];
  return { not: !yes, values: nonEmptyStrings(node, elementPath, yes ? name : notName) };
}

function principalBlock(obj: ObjectNode, path: Path): PrincipalBlock | undefined {
  const yes = obj.entries.get('Principal');
  const no = obj.entries.get('NotPrincipal');
  if (yes && no) fail('A statement cannot have both Principal and NotPrincipal.', [...path, 'NotPrincipal']);
  const node = yes ?? no;
  if (!node) return undefined;
  const name = yes ? 'Principal' : 'NotPrincipal';
  const elementPath = [...path, name];
  const not = !yes;
  if (node.kind === 'string') {
    if (node.value !== '*') fail(`${name} must be "*" or an object such as {"AWS": "..."}.`, elementPath);
    return { not, wildcard: true, entries: [] };
  }
  const block = expectObject(node, elementPath, `${name} must be "*" or an object such as {"AWS": "..."}.`);
  if (block.entries.size === 0) fail(`${name} must name at least one principal.`, elementPath);
  const entries: PrincipalEntry[] = [];
  for (const [type, valueNode] of block.entries) {
    if (!isOneOf(type, PRINCIPAL_TYPES)) {
      fail(`Unknown principal type ${type}: expected one of ${PRINCIPAL_TYPES.join(', ')}.`, [...elementPath, type]);
    }
    const principalType: PrincipalType = type;
    for (const value of nonEmptyStrings(valueNode, [...elementPath, type], `${name} ${type}`)) {
      entries.push({ type: principalType, value });
    }
  }
  return { not, wildcard: false, entries };
}

/** Condition: operator → key → a scalar or a non-empty array of scalars, flattened to triples. */
function conditionBlock(node: JsonNode, path: Path): Condition[] {
  const block = expectObject(node, path, 'Condition must be an object of operators.');
  const conditions: Condition[] = [];
  for (const [operator, keysNode] of block.entries) {
    const operatorPath = [...path, operator];
    const keys = expectObject(keysNode, operatorPath, `Condition operator ${operator} must map to an object of condition keys.`);
    // An empty block would vanish from the tree, and its operator with it, unchecked.
    if (keys.entries.size === 0) fail(`Condition operator ${operator} has no condition keys.`, operatorPath);
    for (const [key, valuesNode] of keys.entries) {
      conditions.push({ operator, key, values: conditionValues(valuesNode, [...operatorPath, key]) });
    }
  }
  return conditions;
}

function conditionValues(node: JsonNode, path: Path): string[] {
  if (node.kind !== 'array') return [conditionScalar(node, path)];
  if (node.items.length === 0) fail('Condition values must not be an empty array.', path);
  return node.items.map((item, i) => conditionScalar(item, [...path, i]));
}

/** Numbers and booleans keep their JSON text: `1.50` compares as written, as AWS does. */
function conditionScalar(node: JsonNode, path: Path): string {
  switch (node.kind) {
    case 'string':
      return node.value;
    case 'number':
      return node.text;
    case 'boolean':
      return node.value ? 'true' : 'false';
    default:
      return fail('A condition value must be a string, a number or a boolean.', path);
  }
}

function nonEmptyStrings(node: JsonNode, path: Path, name: string): string[] {
  const what = `${name} must be a non-empty string or a non-empty array of non-empty strings.`;
  if (node.kind === 'string') {
    if (node.value === '') fail(what, path);
    return [node.value];
  }
  if (node.kind !== 'array' || node.items.length === 0) fail(what, path);
  return node.items.map((item, i) => {
    if (item.kind !== 'string' || item.value === '') fail(what, [...path, i]);
    return item.value;
  });
}

/** Rejects unknown elements; names are case-sensitive, as in AWS, so `action` is not `Action`. */
function checkElements(obj: ObjectNode, allowed: readonly string[], path: Path): void {
  for (const key of obj.entries.keys()) {
    if (allowed.includes(key)) continue;
    const lower = key.toLowerCase();
    const near = allowed.find((a) => a.toLowerCase() === lower);
    const hint = near ? ` (element names are case-sensitive: did you mean ${near}?)` : '';
    fail(`Syntax errors in policy: unknown element ${key}${hint}.`, [...path, key]);
  }
}

function expectObject(node: JsonNode, path: Path, message: string): ObjectNode {
  if (node.kind !== 'object') fail(message, path);
  return node;
}

function expectString(node: JsonNode, path: Path, name: string): string {
  if (node.kind !== 'string') fail(`${name} must be a string.`, path);
  return node.value;
}

function isOneOf<T extends string>(value: string, set: readonly T[]): value is T {
  return (set as readonly string[]).includes(value);
}

function fail(message: string, path: Path): never {
  throw new MalformedPolicyDocumentError(message, pointerOf(path));
}
