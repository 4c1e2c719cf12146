/**
 * Decoding of AWS Query parameters into an operation's typed input, and validation against the
 * model's constraints, generic over the shapes.
 *
 * Wire forms (botocore's QuerySerializer, which the AWS CLI and SDKs follow):
 *   scalar       `UserName=bob`
 *   structure    `PermissionsBoundary.Key=…` (members joined with `.`)
 *   list         `Tags.member.1.Key=k&Tags.member.1.Value=v` (1-based, contiguous); `Tags=` is an
 *                empty list; a flattened list drops `.member`, a member locationName renames it
 *   map          `Name.entry.1.key=k&Name.entry.1.value=v` (flattened: `Name.1.key`)
 * Decoded values: strings; numbers for integer/long/float/double; booleans; timestamps as Date;
 * blobs as Buffer; lists as arrays; maps and structures as plain objects keyed by the model's
 * member names (`UserName`, `Tags`, `Key`). Parameters the model does not know are ignored, as AWS
 * ignores them (`Action` and `Version` are read by resolveOperation).
 */
import { InvalidAction, InvalidParameterValue, ValidationError } from './errors.js';
import type { ListShape, MapShape, Member, Operation, ServiceModel, Shape, StructureShape } from './model.js';

/** One level of the parameter names split at `.`: `Tags.member.1.Key` is root → Tags → member → 1 → Key. */
interface ParamNode {
  value?: string;
  children?: Map<string, ParamNode>;
}

/** What AWS prints instead of a sensitive member's value in a validation message. */
const REDACTED = '*** Sensitive Data Redacted ***';

/**
 * How much of an offending value a message repeats, in UTF-16 code units: enough for any name,
 * path or tag list of the model, while a 128 KB policy document does not come back as a 128 KB
 * message.
 */
export const ECHOED_VALUE_LIMIT = 1024;

/**
 * Decodes and validates the input of `operation` from Query parameters. Throws InvalidAction for an
 * operation the model lacks, InvalidParameterValue for a value that cannot be read as its type
 * (`MaxItems=ten`, a gap in `member.N`), and ValidationError listing every constraint violation.
 * @example decodeInput(serviceModel('iam'), 'CreateUser', parseQueryParams('UserName=bob&Tags.member.1.Key=team&Tags.member.1.Value=a'))
 *   // { UserName: 'bob', Tags: [{ Key: 'team', Value: 'a' }] }
 */
export function decodeInput(
  service: ServiceModel,
  operation: string | Operation,
  params: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const op = typeof operation === 'string' ? service.operations.get(operation) : operation;
  if (!op) throw new InvalidAction(`Could not find operation ${String(operation)} for version ${service.metadata.apiVersion}`);
  // An input without members (GetCallerIdentity's) reads nothing of the parameters.
  if (!op.input || op.input.members.length === 0) return {};
  const violations: string[] = [];
  const input = decodeStructure(op.input, buildTree(params), '', '', violations);
  if (violations.length > 0) {
    const count = violations.length === 1 ? '1 validation error detected: ' : `${violations.length} validation errors detected: `;
    throw new ValidationError(count + violations.join('; '));
  }
  return input;
}

function buildTree(params: ReadonlyMap<string, string>): ParamNode {
  const root: ParamNode = {};
  for (const [name, value] of params) {
    let node = root;
    for (const segment of name.split('.')) {
      node.children ??= new Map();
      let child = node.children.get(segment);
      if (!child) {
        child = {};
        node.children.set(segment, child);
      }
      node = child;
    }
    node.value = value;
  }
  return root;
}

/**
 * The path AWS names a member by in validation messages: the member name with its first letter in
 * lower case, nested with `.`, list elements as `tags.1.member` (AWS: "at 'tags.6.member.value'").
 * Acronyms are not special-cased: `SAMLAssertion` → `sAMLAssertion`.
 */
function memberPath(parent: string, member: Member): string {
  const name = member.name.charAt(0).toLowerCase() + member.name.slice(1);
  return parent === '' ? name : `${parent}.${name}`;
}

function decodeStructure(shape: StructureShape, node: ParamNode, wire: string, path: string, violations: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const member of shape.members) {
    const name = wireNameOf(member);
    const child = node.children?.get(name);
    const childPath = memberPath(path, member);
    const value = child ? decodeValue(member.shape, child, wire === '' ? name : `${wire}.${name}`, childPath, violations, isFlattened(member)) : undefined;
    if (value === undefined) {
      if (shape.required.has(member.name)) violations.push(`Value null at '${childPath}' failed to satisfy constraint: Member must not be null`);
      continue;
    }
    out[member.name] = value;
    checkConstraints(member.shape, value, childPath, violations);
  }
  return out;
}

/** Flattened is a trait of the shape or of the reference to it (botocore merges the two). */
function isFlattened(member: Member): boolean {
  return member.flattened || ((member.shape.type === 'list' || member.shape.type === 'map') && member.shape.flattened);
}

/** A flattened list whose element is renamed is sent under the element's name (botocore's rule). */
function wireNameOf(member: Member): string {
  const shape = member.shape;
  if (shape.type === 'list' && isFlattened(member) && shape.member.wireName !== 'member') return shape.member.wireName;
  return member.wireName;
}

function decodeValue(shape: Shape, node: ParamNode, wire: string, path: string, violations: string[], flattened: boolean): unknown {
  switch (shape.type) {
    case 'structure':
      return node.children ? decodeStructure(shape, node, wire, path, violations) : undefined;
    case 'list':
      return decodeList(shape, node, wire, path, violations, flattened);
    case 'map':
      return decodeMap(shape, node, wire, path, violations, flattened);
    default:
      return node.value === undefined ? undefined : decodeScalar(shape, node.value, wire);
  }
}

/** The nodes under `1`, `2`, … `n`; anything else, or a gap, is a malformed request. */
function indexed(node: ParamNode | undefined, wire: string): ParamNode[] {
  if (!node?.children) return [];
  const items: ParamNode[] = [];
  for (const [index, child] of node.children) {
    if (!/^[1-9][0-9]{0,5}$/.test(index)) {
      throw new InvalidParameterValue(`The parameter ${wire}.${index} has an invalid index: indexes are 1, 2, 3, …`);
    }
    items[Number(index) - 1] = child;
  }
  for (let i = 0; i < items.length; i++) {
    if (!items[i]) throw new InvalidParameterValue(`The parameter ${wire}.${i + 1} is missing: list indexes must be contiguous from 1.`);
  }
  return items;
}

function decodeList(shape: ListShape, node: ParamNode, wire: string, path: string, violations: string[], flattened: boolean): unknown[] | undefined {
  const itemsWire = flattened ? wire : `${wire}.${shape.member.wireName}`;
  const items = indexed(flattened ? node : node.children?.get(shape.member.wireName), itemsWire);
  // botocore and the JS SDK send an empty list as `Name=`.
  if (items.length === 0) return node.value === '' ? [] : undefined;
  const out: unknown[] = [];
  for (let i = 0; i < items.length; i++) {
    const itemPath = `${path}.${i + 1}.member`;
    const value = decodeValue(shape.member.shape, items[i] as ParamNode, `${itemsWire}.${i + 1}`, itemPath, violations, shape.member.flattened);
    if (value === undefined) {
      violations.push(`Value null at '${itemPath}' failed to satisfy constraint: Member must not be null`);
      continue;
    }
    checkConstraints(shape.member.shape, value, itemPath, violations);
    out.push(value);
  }
  return out;
}

function decodeMap(shape: MapShape, node: ParamNode, wire: string, path: string, violations: string[], flattened: boolean): Record<string, unknown> | undefined {
  const entriesWire = flattened ? wire : `${wire}.entry`;
  const entries = indexed(flattened ? node : node.children?.get('entry'), entriesWire);
  if (entries.length === 0) return node.value === '' ? {} : undefined;
  const out: Record<string, unknown> = {};
  entries.forEach((entry, i) => {
    const entryWire = `${entriesWire}.${i + 1}`;
    const key = entry.children?.get(shape.key.wireName)?.value;
    if (key === undefined) throw new InvalidParameterValue(`The parameter ${entryWire}.${shape.key.wireName} is missing.`);
    if (Object.hasOwn(out, key)) throw new InvalidParameterValue(`The map ${wire} has the key ${key} more than once.`);
    const entryPath = `${path}.${i + 1}`;
    checkConstraints(shape.key.shape, key, `${entryPath}.key`, violations);
    const valueNode = entry.children?.get(shape.value.wireName);
    const value = valueNode
      ? decodeValue(shape.value.shape, valueNode, `${entryWire}.${shape.value.wireName}`, `${entryPath}.value`, violations, shape.value.flattened)
      : undefined;
    if (value === undefined) {
      violations.push(`Value null at '${entryPath}.value' failed to satisfy constraint: Member must not be null`);
      return;
    }
    checkConstraints(shape.value.shape, value, `${entryPath}.value`, violations);
    // defineProperty, not assignment: a key named __proto__ must stay a plain key.
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  });
  return out;
}

const INTEGER = /^[+-]?[0-9]{1,20}$/;
const DECIMAL = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
// ISO 8601 date-time as the SDKs send it (`2026-11-30T06:30:00Z`, `…00.123Z`, `…00+02:00`).
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeScalar(shape: Shape, text: string, wire: string): unknown {
  const invalid = (expected: string): never => {
    throw new InvalidParameterValue(`Value (${echo(text)}) for parameter ${wire} is invalid. Expected ${expected}.`);
  };
  switch (shape.type) {
    case 'string':
      return text;
    case 'integer':
    case 'long': {
      if (!INTEGER.test(text)) return invalid('an integer');
      const n = Number(text);
      const limit = shape.type === 'integer' ? 2 ** 31 : Number.MAX_SAFE_INTEGER + 1;
      if (n >= limit || n < -limit) return invalid(`an integer between ${-limit} and ${limit - 1}`);
      return n === 0 ? 0 : n; // no -0
    }
    case 'float':
    case 'double':
      return DECIMAL.test(text) && Number.isFinite(Number(text)) ? Number(text) : invalid('a number');
    case 'boolean': {
      // Java's Boolean.parseBoolean ignores case; anything but true/false is refused, not read as false.
      const lower = text.toLowerCase();
      return lower === 'true' ? true : lower === 'false' ? false : invalid('true or false');
    }
    case 'timestamp': {
      const ms = TIMESTAMP.test(text) ? Date.parse(text) : Number.NaN;
      return Number.isNaN(ms) ? invalid('an ISO 8601 date-time such as 2026-11-30T06:30:00Z') : new Date(ms);
    }
    case 'blob':
      return BASE64.test(text) ? Buffer.from(text, 'base64') : invalid('base64');
    default:
      return undefined;
  }
}

/** Length in Unicode code points, as AWS counts "characters" (a surrogate pair is one). */
export function codePointLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

const patternCache = new Map<string, RegExp>();

/**
 * Compiles a model pattern (Java regex syntax) to a whole-string JS RegExp, once per pattern.
 * Without the `u` flag unless the pattern needs it (`\p{L}`, or code points beyond U+FFFF written
 * Java-style as `\u10000`), so that `\w` stays ASCII either way and `\:`-style escapes stay legal.
 * Java's `matches()` tests the whole string, hence the anchors.
 */
export function compilePattern(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    // `\u10000-\u10FFFF` in arnType means the supplementary planes; JS writes that `\u{10000}`.
    const source = pattern.replace(/\\u([0-9A-Fa-f]{5,6})(?![0-9A-Fa-f])/g, '\\u{$1}');
    const unicode = /\\[pP]\{|\\u\{/.test(source);
    re = new RegExp(`^(?:${source})$`, unicode ? 'u' : '');
    patternCache.set(pattern, re);
  }
  return re;
}

/** A value as a message repeats it: its first ECHOED_VALUE_LIMIT code units then `...`, never half a surrogate pair. */
function echo(text: string): string {
  if (text.length <= ECHOED_VALUE_LIMIT) return text;
  const last = text.charCodeAt(ECHOED_VALUE_LIMIT - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? ECHOED_VALUE_LIMIT - 1 : ECHOED_VALUE_LIMIT;
  return `${text.slice(0, end)}...`;
}

/** How AWS prints a value in a validation message (Java's toString for lists and maps). */
function show(shape: Shape, value: unknown): string {
  if (shape.sensitive) return REDACTED;
  if (Array.isArray(value)) return `[${value.map((v) => (shape.type === 'list' ? show(shape.member.shape, v) : String(v))).join(', ')}]`;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `java.nio.HeapByteBuffer[pos=0 lim=${value.length} cap=${value.length}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => {
      const inner = shape.type === 'structure' ? shape.members.find((m) => m.name === k)?.shape : shape.type === 'map' ? shape.value.shape : undefined;
      return `${k}=${inner ? show(inner, v) : String(v)}`;
    });
    return `{${entries.join(', ')}}`;
  }
  return String(value);
}

function checkConstraints(shape: Shape, value: unknown, path: string, violations: string[]): void {
  const fail = (constraint: string): void => {
    violations.push(`Value '${echo(show(shape, value))}' at '${path}' failed to satisfy constraint: Member must ${constraint}`);
  };
  const length = (n: number, min: number | undefined, max: number | undefined): void => {
    if (min !== undefined && n < min) fail(`have length greater than or equal to ${min}`);
    if (max !== undefined && n > max) fail(`have length less than or equal to ${max}`);
  };
  switch (shape.type) {
    case 'string': {
      const text = value as string;
      length(codePointLength(text), shape.min, shape.max);
      if (shape.pattern !== undefined && !compilePattern(shape.pattern).test(text)) {
        fail(`satisfy regular expression pattern: ${shape.pattern}`);
      }
      if (shape.enum && !shape.enum.includes(text)) fail(`satisfy enum value set: [${shape.enum.join(', ')}]`);
      return;
    }
    case 'integer':
    case 'long':
    case 'float':
    case 'double': {
      const n = value as number;
      if (shape.min !== undefined && n < shape.min) fail(`have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && n > shape.max) fail(`have value less than or equal to ${shape.max}`);
      return;
    }
    case 'list':
      return length((value as unknown[]).length, shape.min, shape.max);
    case 'map':
      return length(Object.keys(value as object).length, shape.min, shape.max);
    case 'blob':
      return length((value as Uint8Array).length, shape.min, shape.max);
    default:
      return;
  }
}
