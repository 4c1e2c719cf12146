/**
 * Output formats, as in the AWS CLI: `json` (the whole response), `table` (what a person reads),
 * `text` (tab-separated, for shell scripts), after an optional JMESPath `--query`.
 */
import jmespath from 'jmespath';
import { UsageError } from './errors.js';

/** The formats `--output` accepts. */
export const OUTPUT_FORMATS = ['json', 'table', 'text'] as const;
/** One of OUTPUT_FORMATS. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A plain JSON value, what every response is normalized to. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** How a response looks as a table: the member holding the rows and the columns to show. */
export interface View {
  /** The member of the response to tabulate (`Users`, `User`); the whole response when absent. */
  readonly rows?: string;
  /** Columns for a list of objects; every scalar member when absent. */
  readonly columns?: readonly string[];
}

// Members that IAM returns URL-encoded (RFC 3986) and every reader wants as JSON.
const ENCODED_DOCUMENTS = new Set(['PolicyDocument', 'AssumeRolePolicyDocument', 'Document']);

/** Turns an SDK response into plain JSON: no `$metadata`, dates as ISO strings, documents decoded. */
export function normalize(value: unknown, key = ''): Json {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  // Blobs (an MFA seed) carry text: the base32 seed or the PNG's base64 as AWS sends them.
  if (value instanceof Uint8Array) return Buffer.from(value).toString(key === 'QRCodePNG' ? 'base64' : 'utf8');
  if (Array.isArray(value)) return value.map((item) => normalize(item));
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '$metadata' || v === undefined) continue;
      out[k] = normalize(v, k);
    }
    return out;
  }
  if (typeof value === 'string' && ENCODED_DOCUMENTS.has(key) && value.startsWith('%7B')) {
    try {
      return JSON.parse(decodeURIComponent(value)) as Json;
    } catch {
      return value;
    }
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}

/** Applies a JMESPath expression; a bad expression is a usage error. */
export function applyQuery(value: Json, query: string | undefined): Json {
  if (!query) return value;
  try {
    return jmespath.search(value, query) as Json;
  } catch (error) {
    throw new UsageError(`invalid --query "${query}": ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Renders a response: the query applies to the whole response (as in the AWS CLI); without a
 * query, tables and text show the view's rows.
 */
export function render(response: unknown, format: OutputFormat, query: string | undefined, view: View = {}): string {
  const full = normalize(response);
  if (format === 'json') return JSON.stringify(applyQuery(full, query), null, 2);
  const shown = query ? applyQuery(full, query) : view.rows && isObject(full) && full[view.rows] !== undefined ? (full[view.rows] ?? null) : full;
  return format === 'table' ? table(shown, query ? undefined : view.columns) : text(shown);
}

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scalar(value: Json): string {
  if (value === null) return '';
  if (Array.isArray(value)) return value.every((v) => !isObject(v) && !Array.isArray(v)) ? value.map(scalar).join(', ') : JSON.stringify(value);
  if (isObject(value)) return JSON.stringify(value);
  return String(value);
}

/** A value as a table: a list of objects gets a column per member, an object a row per member. */
export function table(value: Json, columns?: readonly string[]): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '(none)';
    if (!value.every(isObject)) return value.map(scalar).join('\n');
    const rows = value as { [key: string]: Json }[];
    const cols: readonly string[] = columns ?? [...new Set(rows.flatMap((row) => Object.keys(row).filter((k) => !isObject(row[k] ?? null))))];
    return grid([[...cols], ...rows.map((row) => cols.map((c) => scalar(pick(row, c))))]);
  }
  if (isObject(value)) {
    const lines = flatten(value, '');
    return lines.length === 0 ? '' : grid(lines, false);
  }
  return scalar(value);
}

/** A member by dotted path, so a column can be `PermissionsBoundary.PermissionsBoundaryArn`. */
function pick(row: Json, path: string): Json {
  let current: Json = row;
  for (const part of path.split('.')) {
    if (!isObject(current)) return null;
    current = current[part] ?? null;
  }
  return current;
}

function flatten(value: { [key: string]: Json }, prefix: string): string[][] {
  const out: string[][] = [];
  for (const [key, member] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (isObject(member) && !ENCODED_DOCUMENTS.has(key)) out.push(...flatten(member, name));
    else out.push([name, scalar(member)]);
  }
  return out;
}

function grid(rows: string[][], header = true): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const line = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const out = rows.map(line);
  if (header && out.length > 0) out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return out.join('\n');
}

/** A value as tab-separated text: one line per object, scalars on the line, nested values after. */
export function text(value: Json): string {
  const lines: string[] = [];
  const walk = (v: Json) => {
    if (Array.isArray(v)) {
      if (v.every((item) => !isObject(item) && !Array.isArray(item))) lines.push(v.map(scalar).join('\t'));
      else v.forEach(walk);
    } else if (isObject(v)) {
      const entries = Object.entries(v);
      const scalars = entries.filter(([k, m]) => !(isObject(m) || Array.isArray(m)) || ENCODED_DOCUMENTS.has(k));
      if (scalars.length > 0) lines.push(scalars.map(([, m]) => scalar(m)).join('\t'));
      for (const [k, m] of entries) if ((isObject(m) || Array.isArray(m)) && !ENCODED_DOCUMENTS.has(k)) walk(m);
    } else {
      lines.push(scalar(v));
    }
  };
  walk(value);
  return lines.filter((l) => l !== '').join('\n');
}
