/**
 * Random valid inputs for the operations of the model, and their Query parameters as botocore
 * writes them: shared by the protocol's round-trip tests and the walk over every operation.
 */
import fc from 'fast-check';
import { codePointLength, compilePattern } from '../../src/protocol/decode.js';
import type { Shape, StringShape } from '../../src/protocol/model.js';

// A pattern that is one character class repeated (`[\w+=,.@-]+`) is generated one character at a
// time, so that long minimum lengths (an ARN's 20) are met without filtering.
const CLASS_REPEAT = /^\^?(\[(?:\\.|[^\]\\])*\])([+*])\$?$/;

function stringArbitrary(shape: StringShape): fc.Arbitrary<string> {
  if (shape.enum) return fc.constantFrom(...shape.enum);
  const min = shape.min ?? 0;
  const max = shape.max ?? Number.MAX_SAFE_INTEGER;
  const generatedMax = Math.min(max, min + 24);
  const length = (s: string): boolean => codePointLength(s) >= min && codePointLength(s) <= max;
  if (shape.pattern === undefined) {
    // Long minimums (a SAML document's 1000) are padded rather than generated grapheme by grapheme.
    const pad = min > 24 ? 'x'.repeat(min) : '';
    return fc.string({ unit: 'grapheme', minLength: pad ? 0 : min, maxLength: 24 }).map((s) => pad + s).filter(length);
  }
  const re = compilePattern(shape.pattern);
  const cls = CLASS_REPEAT.exec(shape.pattern);
  if (cls?.[1]) {
    const char = fc.stringMatching(compilePattern(cls[1]));
    return fc.array(char, { minLength: cls[2] === '+' ? Math.max(min, 1) : min, maxLength: generatedMax }).map((cs) => cs.join(''));
  }
  // fast-check cannot generate from lookaheads: generate without them, keep what the real pattern takes.
  const source = shape.pattern.replace(/\(\?[!=][^)]*\)/g, '');
  return fc.stringMatching(compilePattern(source)).filter((s) => length(s) && re.test(s));
}

const arbitraries = new WeakMap<Shape, fc.Arbitrary<unknown>>();

/** A random value satisfying the shape's constraints. */
export function arbitrary(shape: Shape): fc.Arbitrary<unknown> {
  let arb = arbitraries.get(shape);
  if (arb) return arb;
  switch (shape.type) {
    case 'structure': {
      const members = Object.fromEntries(shape.members.map((m) => [m.name, fc.constant(null).chain(() => arbitrary(m.shape))]));
      // An empty structure writes no parameter at all, so on the Query wire it is indistinguishable
      // from an absent one (botocore sends nothing for `[{}]`): generate non-empty structures.
      arb = fc.record(members, { requiredKeys: [...shape.required] }).filter((o) => shape.members.length === 0 || Object.keys(o).length > 0);
      break;
    }
    case 'list': {
      const min = shape.min ?? 0;
      arb = fc.array(arbitrary(shape.member.shape), { minLength: min, maxLength: Math.min(shape.max ?? min + 3, min + 3) });
      break;
    }
    case 'map':
      arb = fc.dictionary(arbitrary(shape.key.shape) as fc.Arbitrary<string>, arbitrary(shape.value.shape), { maxKeys: 3, noNullPrototype: true });
      break;
    case 'string':
      arb = stringArbitrary(shape);
      break;
    case 'integer':
    case 'long': {
      const bound = shape.type === 'integer' ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER;
      arb = fc.integer({ min: Math.max(shape.min ?? -bound, -bound), max: Math.min(shape.max ?? bound, bound) }).map((n) => n + 0);
      break;
    }
    case 'float':
    case 'double':
      arb = fc.double({ noNaN: true, noDefaultInfinity: true, min: shape.min, max: shape.max }).map((n) => n + 0);
      break;
    case 'boolean':
      arb = fc.boolean();
      break;
    case 'timestamp':
      arb = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true });
      break;
    case 'blob':
      arb = fc.uint8Array({ minLength: shape.min ?? 0, maxLength: Math.min(shape.max ?? 32, 32) }).map((u) => Buffer.from(u));
      break;
  }
  arbitraries.set(shape, arb);
  return arb;
}

/** Writes a value as Query parameters the way botocore's QuerySerializer does. */
export function toQuery(shape: Shape, value: unknown, prefix: string, out: URLSearchParams): void {
  switch (shape.type) {
    case 'structure':
      for (const m of shape.members) {
        const v = (value as Record<string, unknown>)[m.name];
        if (v !== undefined) toQuery(m.shape, v, prefix === '' ? m.wireName : `${prefix}.${m.wireName}`, out);
      }
      return;
    case 'list': {
      const items = value as unknown[];
      if (items.length === 0) out.append(prefix, '');
      items.forEach((v, i) => toQuery(shape.member.shape, v, `${prefix}.${shape.member.wireName}.${i + 1}`, out));
      return;
    }
    case 'map':
      Object.entries(value as Record<string, unknown>).forEach(([k, v], i) => {
        out.append(`${prefix}.entry.${i + 1}.${shape.key.wireName}`, k);
        toQuery(shape.value.shape, v, `${prefix}.entry.${i + 1}.${shape.value.wireName}`, out);
      });
      return;
    case 'timestamp':
      out.append(prefix, (value as Date).toISOString());
      return;
    case 'blob':
      out.append(prefix, (value as Buffer).toString('base64'));
      return;
    default:
      out.append(prefix, String(value));
  }
}

