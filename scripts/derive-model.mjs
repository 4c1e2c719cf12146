#!/usr/bin/env node
// Derives the operation model that src/protocol/ runs on from the botocore service models in
// ../shared/specs: documentation stripped, only what the Query protocol needs kept, unreachable
// shapes pruned, keys in a fixed order so that re-running the script gives no diff.
//
// Usage: node scripts/derive-model.mjs [outDir]   (default: src/protocol/model)

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const specsDir = new URL('../../shared/specs/', import.meta.url);
const defaultOutDir = new URL('../src/protocol/model/', import.meta.url);

/** The services to derive: output file name → botocore file name. */
const SOURCES = [
  ['iam', 'iam-2010-05-08.json'],
  ['sts', 'sts-2011-06-15.json'],
];

// Keys kept, in the order they are written. Everything else (documentation, documentationUrl,
// examples, deprecated*, http, endpoint rules…) is dropped.
const MEMBER_KEYS = ['shape', 'locationName', 'queryName', 'xmlAttribute', 'xmlNamespace', 'flattened', 'idempotencyToken'];
const SHAPE_KEYS = [
  'type', 'required', 'members', 'member', 'key', 'value', 'flattened', 'locationName',
  'min', 'max', 'pattern', 'enum', 'box', 'timestampFormat', 'sensitive', 'error', 'exception',
];
const ERROR_KEYS = ['code', 'httpStatusCode', 'senderFault'];

/** Copies `keys` of `source` that are present, in the order of `keys`. */
function pick(source, keys) {
  const out = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

function memberRef(ref) {
  return pick(ref, MEMBER_KEYS);
}

function deriveShape(shape) {
  const out = pick(shape, SHAPE_KEYS);
  // Members keep the model's order: it is the order of the XML elements in responses.
  if (shape.members) {
    out.members = {};
    for (const [name, ref] of Object.entries(shape.members)) out.members[name] = memberRef(ref);
  }
  for (const key of ['member', 'key', 'value']) if (shape[key]) out[key] = memberRef(shape[key]);
  if (shape.error) out.error = pick(shape.error, ERROR_KEYS);
  return out;
}

function deriveOperation(op) {
  const out = { name: op.name };
  if (op.input) out.input = op.input.shape;
  if (op.output) {
    out.output = op.output.shape;
    if (op.output.resultWrapper) out.resultWrapper = op.output.resultWrapper;
  }
  // botocore marks operations that take no signature (AssumeRoleWithWebIdentity, …) this way.
  if (op.authtype === 'none' || (op.auth ?? []).includes('smithy.api#noAuth')) out.authtype = 'none';
  out.errors = (op.errors ?? []).map((e) => e.shape);
  return out;
}

/** Every shape reachable from the operations, so that unused shapes are not carried along. */
function reachableShapes(spec) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    const shape = spec.shapes[name];
    if (!shape) throw new Error(`shape ${name} is referenced but not defined`);
    seen.add(name);
    for (const ref of Object.values(shape.members ?? {})) visit(ref.shape);
    for (const key of ['member', 'key', 'value']) if (shape[key]) visit(shape[key].shape);
  };
  for (const op of Object.values(spec.operations)) {
    if (op.input) visit(op.input.shape);
    if (op.output) visit(op.output.shape);
    for (const e of op.errors ?? []) visit(e.shape);
  }
  return seen;
}

/** Derives one service's model from its botocore JSON text. */
export function deriveModel(spec) {
  const m = spec.metadata;
  if (m.protocol !== 'query') throw new Error(`${m.serviceId}: protocol ${m.protocol} is not query`);
  const metadata = {
    apiVersion: m.apiVersion,
    endpointPrefix: m.endpointPrefix,
    signingName: m.signingName ?? m.endpointPrefix,
    protocol: m.protocol,
    serviceId: m.serviceId,
    xmlNamespace: m.xmlNamespace,
  };
  const operations = {};
  for (const name of Object.keys(spec.operations).sort()) operations[name] = deriveOperation(spec.operations[name]);
  const shapes = {};
  for (const name of [...reachableShapes(spec)].sort()) shapes[name] = deriveShape(spec.shapes[name]);
  return { metadata, operations, shapes };
}

/** One operation or shape per line: compact, and a change shows up as a one-line diff. */
export function formatModel(model) {
  const section = (entries) =>
    Object.entries(entries)
      .map(([name, value]) => `    ${JSON.stringify(name)}: ${JSON.stringify(value)}`)
      .join(',\n');
  return (
    '{\n' +
    `  "metadata": ${JSON.stringify(model.metadata)},\n` +
    `  "operations": {\n${section(model.operations)}\n  },\n` +
    `  "shapes": {\n${section(model.shapes)}\n  }\n` +
    '}\n'
  );
}

function main() {
  const outDir = process.argv[2] ? pathToFileURL(`${resolve(process.argv[2])}/`) : defaultOutDir;
  mkdirSync(outDir, { recursive: true });
  for (const [name, file] of SOURCES) {
    const spec = JSON.parse(readFileSync(new URL(file, specsDir), 'utf8'));
    const target = new URL(`${name}.json`, outDir);
    writeFileSync(target, formatModel(deriveModel(spec)));
    console.log(`wrote ${fileURLToPath(target)}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
