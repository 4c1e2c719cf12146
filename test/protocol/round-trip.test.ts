/**
 * Property tests over every operation of every model: a random valid input, written as Query
 * parameters the way botocore writes them, decodes to the same object; a random output, encoded
 * as XML and read back by the shape, is the same object.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeInput } from '../../src/protocol/decode.js';
import { encodeResponse } from '../../src/protocol/encode.js';
import { SERVICE_NAMES, serviceModel, type Shape } from '../../src/protocol/model.js';
import { arbitrary, toQuery } from '../helpers/model-inputs.js';
import { parseQueryParams } from '../../src/protocol/query.js';
import { at, parseXml, type XmlElement } from './xml.js';

const SEED = 20261130;
const RUNS = 25;

/** Reads an element back into a value of the shape (the test's stand-in for an SDK parser). */
function fromXml(shape: Shape, el: XmlElement): unknown {
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const m of shape.members) {
        const found = el.children.filter((c) => c.name === m.wireName);
        if (found.length > 1) throw new Error(`${m.wireName} written twice`);
        if (found[0]) out[m.name] = fromXml(m.shape, found[0]);
      }
      return out;
    }
    case 'list':
      return el.children.map((c) => {
        expect(c.name).toBe(shape.member.wireName);
        return fromXml(shape.member.shape, c);
      });
    case 'map':
      return Object.fromEntries(el.children.map((e) => [at(e, shape.key.wireName).text, fromXml(shape.value.shape, at(e, shape.value.wireName))]));
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      return Number(el.text);
    case 'boolean':
      return el.text === 'true';
    case 'timestamp':
      return new Date(el.text);
    case 'blob':
      return Buffer.from(el.text, 'base64');
    case 'string':
      return el.text;
  }
}

describe.each(SERVICE_NAMES)('%s: every operation round-trips', (name) => {
  const service = serviceModel(name);
  const operations = [...service.operations.values()];

  it.each(operations.filter((o) => o.input).map((o) => [o.name, o] as const))('%s input: Query parameters → decodeInput', (_, op) => {
    const input = op.input;
    if (!input) return;
    fc.assert(
      fc.property(arbitrary(input), (value) => {
        const query = new URLSearchParams({ Action: op.name, Version: service.metadata.apiVersion });
        toQuery(input, value, '', query);
        expect(decodeInput(service, op, parseQueryParams(query.toString()))).toEqual(value);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it.each(operations.filter((o) => o.output).map((o) => [o.name, o] as const))('%s output: encodeResponse → XML → value', (_, op) => {
    const output = op.output;
    if (!output) return;
    fc.assert(
      fc.property(arbitrary(output), (value) => {
        const doc = parseXml(encodeResponse(service, op, value as Record<string, unknown>, 'req'));
        expect(fromXml(output, at(doc, op.resultWrapper ?? `${op.name}Result`))).toEqual(value);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
