/**
 * XML responses of the AWS Query protocol, generic over the output shapes. Only members the output
 * shape defines are written, in the shape's order (the order of AWS's documentation and of the SDK
 * parsers' expectations), so a domain object with extra fields never leaks them. Plain string
 * building with per-shape writers compiled lazily: no DOM.
 */
import type { ServiceError } from '../shared/service-error.js';
import { ServiceFailure } from './errors.js';
import type { Member, Operation, ServiceModel, Shape, StructureShape } from './model.js';

/** Writes one element `<name>…</name>` holding `value`. */
type ElementWriter = (value: unknown, name: string) => string;

const writers = new WeakMap<Shape, ElementWriter>();

/**
 * The XML response of a successful call: `<OpResponse xmlns><OpResult>…</OpResult>
 * <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></OpResponse>`; no Result element
 * when the operation has no output shape. Output values: strings; numbers or bigints for numbers;
 * booleans; timestamps as Date, epoch milliseconds or an ISO 8601 string; blobs as Uint8Array (a
 * string is taken as UTF-8). undefined and null members are left out. A value of the wrong type is
 * a bug of the server: it throws ServiceFailure with the member in `detail`.
 * @example encodeResponse(serviceModel('iam'), 'GetUser', { User: { UserName: 'bob', … } }, requestId)
 */
export function encodeResponse(
  service: ServiceModel,
  operation: string | Operation,
  output: Readonly<Record<string, unknown>> | undefined,
  requestId: string,
): string {
  const op = typeof operation === 'string' ? service.operations.get(operation) : operation;
  if (!op) throw new ServiceFailure('An internal error occurred.', `encodeResponse: no operation ${String(operation)} in ${service.name}`);
  return responseDocument(op, encodeResult(service, op, output), requestId);
}

/**
 * The part of a response that depends on the output alone: the opening element and the Result.
 * Kept apart so that a result can be reused under another request's RequestId (see responseDocument).
 */
export function encodeResult(service: ServiceModel, op: Operation, output: Readonly<Record<string, unknown>> | undefined): string {
  let xml = `<${op.name}Response xmlns="${escapeXml(service.metadata.xmlNamespace)}">`;
  if (op.output) {
    const wrapper = op.resultWrapper ?? `${op.name}Result`;
    xml += `<${wrapper}>${output ? structureContent(op.output, output) : ''}</${wrapper}>`;
  }
  return xml;
}

/** Completes an encoded result into the response document, with the request's metadata. */
export function responseDocument(op: Operation, result: string, requestId: string): string {
  return `${result}<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${op.name}Response>`;
}

/**
 * AWS's Query error document. The namespace is the service's (IAM puts it on ErrorResponse; the
 * SDKs ignore it), omitted when not given.
 * @example encodeError(new NoSuchEntity('The user with name bob cannot be found.'), requestId, ns)
 */
export function encodeError(error: ServiceError, requestId: string, namespace?: string): string {
  const xmlns = namespace === undefined ? '' : ` xmlns="${escapeXml(namespace)}"`;
  return (
    `<ErrorResponse${xmlns}><Error><Type>${error.fault}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}

// XML 1.0 allows #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]; the others
// cannot be written even as character references, so they become U+FFFD instead of breaking the
// document. `\r` is written as a reference because parsers turn a raw CR into LF.
const NEEDS_ESCAPE = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const ESCAPE_ALL = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\uD800-\uDFFF]/g;
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

/** Escapes text for XML element content or a quoted attribute; characters XML 1.0 forbids become U+FFFD. */
export function escapeXml(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(ESCAPE_ALL, (c) => ENTITIES[c] ?? (c.length === 2 ? c : '\uFFFD'));
}

/** Formats a timestamp as AWS does: `2026-11-30T06:30:00Z`, with milliseconds only when not zero. */
export function formatTimestamp(value: Date | number | string): string | undefined {
  const date = value instanceof Date ? value : new Date(value);
  const ms = date.getTime();
  if (Number.isNaN(ms)) return undefined;
  const iso = date.toISOString();
  return ms % 1000 === 0 ? `${iso.slice(0, 19)}Z` : iso;
}

function badValue(shape: Shape, name: string, value: unknown): never {
  throw new ServiceFailure('An internal error occurred.', `encode: element ${name} (shape ${shape.name}, ${shape.type}) got a ${typeof value}`);
}

function writerFor(shape: Shape): ElementWriter {
  let writer = writers.get(shape);
  if (!writer) {
    writer = compileWriter(shape);
    writers.set(shape, writer);
  }
  return writer;
}

function compileWriter(shape: Shape): ElementWriter {
  const text = (format: (value: unknown) => string | undefined): ElementWriter => (value, name) => {
    const s = format(value);
    return s === undefined ? badValue(shape, name, value) : `<${name}>${s}</${name}>`;
  };
  switch (shape.type) {
    case 'structure': {
      const attributes = shape.members.filter((m) => m.xmlAttribute);
      return (value, name) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return badValue(shape, name, value);
        const record = value as Record<string, unknown>;
        let attrs = '';
        for (const m of attributes) {
          const v = record[m.name];
          if (v !== undefined && v !== null) attrs += ` ${m.wireName}="${escapeXml(String(v))}"`;
        }
        return `<${name}${attrs}>${structureContent(shape, record)}</${name}>`;
      };
    }
    case 'list': {
      const item = shape.member;
      return (value, name) => {
        if (!Array.isArray(value)) return badValue(shape, name, value);
        const write = writerFor(item.shape);
        let xml = `<${name}>`;
        for (const v of value) xml += write(v, item.wireName);
        return `${xml}</${name}>`;
      };
    }
    case 'map':
      return (value, name) => `<${name}>${mapEntries(shape, value, name, 'entry')}</${name}>`;
    case 'string':
      return text((v) => (typeof v === 'string' ? escapeXml(v) : typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined));
    case 'integer':
    case 'long':
      return text((v) => (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint' ? String(v) : undefined);
    case 'float':
    case 'double':
      return text((v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined));
    case 'boolean':
      return text((v) => (typeof v === 'boolean' ? String(v) : undefined));
    case 'timestamp':
      return text((v) => (v instanceof Date || typeof v === 'number' || typeof v === 'string' ? formatTimestamp(v) : undefined));
    case 'blob':
      return text((v) =>
        v instanceof Uint8Array
          ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')
          : typeof v === 'string'
            ? Buffer.from(v, 'utf8').toString('base64')
            : undefined,
      );
  }
}

function mapEntries(shape: Extract<Shape, { type: 'map' }>, value: unknown, name: string, entryName: string): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return badValue(shape, name, value);
  const writeKey = writerFor(shape.key.shape);
  const writeValue = writerFor(shape.value.shape);
  let xml = '';
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    xml += `<${entryName}>${writeKey(k, shape.key.wireName)}${writeValue(v, shape.value.wireName)}</${entryName}>`;
  }
  return xml;
}

function isFlattened(member: Member): boolean {
  return member.flattened || ((member.shape.type === 'list' || member.shape.type === 'map') && member.shape.flattened);
}

/** The elements of a structure's members, in the shape's order. */
function structureContent(shape: StructureShape, record: Readonly<Record<string, unknown>>): string {
  let xml = '';
  for (const member of shape.members) {
    const value = record[member.name];
    if (value === undefined || value === null || member.xmlAttribute) continue;
    const s = member.shape;
    if (s.type === 'list' && isFlattened(member)) {
      // A flattened list repeats its element in place of the wrapper, named after the element if renamed.
      if (!Array.isArray(value)) return badValue(s, member.wireName, value);
      const itemName = s.member.wireName !== 'member' ? s.member.wireName : member.wireName;
      const write = writerFor(s.member.shape);
      for (const v of value) xml += write(v, itemName);
    } else if (s.type === 'map' && isFlattened(member)) {
      xml += mapEntries(s, value, member.wireName, member.wireName);
    } else {
      xml += writerFor(s)(value, member.wireName);
    }
  }
  return xml;
}
