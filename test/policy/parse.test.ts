import { describe, expect, it } from 'vitest';
import { MalformedPolicyDocumentError } from '../../src/policy/errors.js';
import { MAX_DEPTH, MAX_DOCUMENT_CHARS, parseJson } from '../../src/policy/json.js';
import { parse } from '../../src/policy/parse.js';

/** Runs `fn`, expects a MalformedPolicyDocumentError, and returns it for further checks. */
function malformed(fn: () => unknown): MalformedPolicyDocumentError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MalformedPolicyDocumentError);
    const e = err as MalformedPolicyDocumentError;
    expect(e.code).toBe('MalformedPolicyDocument');
    expect(e.httpStatus).toBe(400);
    return e;
  }
  return expect.fail('expected a MalformedPolicyDocumentError');
}

/** A policy around one statement, given as JSON text of its members. */
function withStatement(members: string): string {
  return `{"Version":"2012-10-17","Statement":[{${members}}]}`;
}

const ALLOW = '"Effect":"Allow","Action":"s3:GetObject","Resource":"*"';

describe('strict JSON', () => {
  const invalid: [string, string][] = [
    ['a trailing comma in an object', '{"Version":"2012-10-17",}'],
    ['a trailing comma in an array', '{"Statement":[{"Effect":"Allow"},]}'],
    ['a line comment', '{"Version":"2012-10-17" // v\n}'],
    ['a block comment', '{/* c */"Version":"2012-10-17"}'],
    ['NaN', '{"Statement":{"Condition":{"NumericEquals":{"a:b":NaN}}}}'],
    ['Infinity', '{"Statement":{"Condition":{"NumericEquals":{"a:b":Infinity}}}}'],
    ['single quotes', "{'Version':'2012-10-17'}"],
    ['a leading zero', '{"Statement":{"Condition":{"NumericEquals":{"a:b":01}}}}'],
    ['a bare decimal point', '{"Statement":{"Condition":{"NumericEquals":{"a:b":1.}}}}'],
    ['a leading decimal point', '{"Statement":{"Condition":{"NumericEquals":{"a:b":.5}}}}'],
    ['an empty exponent', '{"Statement":{"Condition":{"NumericEquals":{"a:b":1e}}}}'],
    ['a plus sign', '{"Statement":{"Condition":{"NumericEquals":{"a:b":+1}}}}'],
    ['a hexadecimal number', '{"Statement":{"Condition":{"NumericEquals":{"a:b":0x1}}}}'],
    ['an unquoted member name', '{Version:"2012-10-17"}'],
    ['an empty document', ''],
    ['white space only', '  \n '],
    ['text after the document', '{"Version":"2012-10-17"} {}'],
    ['an unterminated string', '{"Version":"2012-10-17'],
    ['an unterminated object', '{"Version":"2012-10-17"'],
    ['a raw tab inside a string', '{"Version":"2012-10-17\t"}'],
    ['a raw line break inside a string', '{"Version":"2012-\n10-17"}'],
    ['an unknown escape', '{"Version":"2012-10-17\\x"}'],
    ['a short \\u escape', '{"Version":"\\u12"}'],
    ['a missing colon', '{"Version" "2012-10-17"}'],
    ['a missing comma', '{"Version":"2012-10-17" "Id":"x"}'],
    ['True in capitals', '{"Statement":{"Condition":{"Bool":{"a:b":True}}}}'],
    ['undefined', '{"Id":undefined}'],
  ];
  it.each(invalid)('rejects %s', (_name, text) => {
    const e = malformed(() => parse(text));
    expect(e.message).toMatch(/^Syntax errors in policy\. .* at offset \d+ \(line \d+, column \d+\)/);
  });

  it('names the containing value of a syntax error with a JSON pointer', () => {
    const e = malformed(() => parse('{"Statement":[{"Effect":"Allow","Action":["s3:A",]}]}'));
    expect(e.pointer).toBe('/Statement/0/Action/1');
    expect(e.message).toContain('offset 49');
  });

  it('rejects a byte-order mark', () => {
    malformed(() => parse('\uFEFF' + withStatement(ALLOW)));
  });

  it('reads numbers as written and escapes as meant', () => {
    const { root } = parseJson('{"n":[-0, 1.50, 2e3, -1E-2], "s":"a\\"\\\\\\/\\n\\t\\r\\u00e9"}');
    expect(root.kind).toBe('object');
    if (root.kind !== 'object') return;
    const n = root.entries.get('n');
    expect(n?.kind === 'array' && n.items.map((i) => (i.kind === 'number' ? i.text : '?'))).toEqual([
      '-0',
      '1.50',
      '2e3',
      '-1E-2',
    ]);
    const s = root.entries.get('s');
    expect(s?.kind === 'string' && s.value).toBe('a"\\/\n\t\ré');
  });

  describe('nesting', () => {
    const nested = (depth: number, open: string, close: string): string =>
      `{"Statement":{"Effect":"Allow","Condition":{"StringEquals":{"a:b":${open.repeat(depth)}"x"${close.repeat(depth)}}}}}`;

    it.each([
      ['arrays', '[', ']'],
      ['objects', '{"k":', '}'],
    ])('rejects 10,000-deep %s with a typed error, not a stack overflow', (_name, open, close) => {
      const e = malformed(() => parse(nested(10_000, open, close)));
      expect(e.message).toContain(`Nesting deeper than ${MAX_DEPTH} levels`);
      expect(e.pointer.startsWith('/Statement/Condition/StringEquals/a:b')).toBe(true);
    });

    it(`accepts exactly ${MAX_DEPTH} levels and rejects ${MAX_DEPTH + 1}`, () => {
      expect(parseJson('['.repeat(MAX_DEPTH) + ']'.repeat(MAX_DEPTH)).root.kind).toBe('array');
      malformed(() => parseJson('['.repeat(MAX_DEPTH + 1) + ']'.repeat(MAX_DEPTH + 1)));
    });
  });

  describe('length', () => {
    const base = withStatement(ALLOW);

    it(`rejects a document of ${MAX_DOCUMENT_CHARS + 1} characters`, () => {
      const text = base + ' '.repeat(MAX_DOCUMENT_CHARS + 1 - base.length);
      expect(text.length).toBe(MAX_DOCUMENT_CHARS + 1);
      const e = malformed(() => parse(text));
      expect(e.message).toContain(`maximum is ${MAX_DOCUMENT_CHARS}`);
    });

    it(`accepts a document of exactly ${MAX_DOCUMENT_CHARS} characters`, () => {
      const text = base + ' '.repeat(MAX_DOCUMENT_CHARS - base.length);
      expect(parse(text).statements).toHaveLength(1);
    });

    it('rejects a huge document without reading it', () => {
      const text = '{' + ' '.repeat(10_000_000) + '\u{1F600}}';
      const e = malformed(() => parse(text));
      expect(e.message).toContain('maximum is');
    });
  });

  describe('characters', () => {
    const rejected: [string, string][] = [
      ['an emoji', '\u{1F600}'],
      ['a CJK character', '中'],
      ['U+0000', '\u0000'],
      ['U+0008', '\u0008'],
      ['U+001F', '\u001F'],
      ['U+0100', '\u0100'],
      ['a lone high surrogate', '\uD800'],
      ['a lone low surrogate', '\uDC00'],
      ['U+2028', '\u2028'],
      ['an escaped CJK character', '\\u4e2d'],
      ['an escaped U+0000', '\\u0000'],
      ['an escaped backspace', '\\b'],
      ['an escaped lone surrogate', '\\ud800'],
    ];
    it.each(rejected)('rejects %s in a string', (_name, ch) => {
      malformed(() => parse(withStatement(`"Sid":"a${ch}b",${ALLOW}`)));
    });

    it('rejects an emoji outside any string and names its code point and offset', () => {
      const e = malformed(() => parse(`{\u{1F600}}`));
      expect(e.message).toContain('U+1F600 at offset 1');
    });

    it('counts code points: a lone surrogate is reported as itself', () => {
      const e = malformed(() => parse(`{"Id":"\uDBFF"}`));
      expect(e.message).toContain('U+DBFF');
    });

    const accepted: [string, string][] = [
      ['Latin-1 é', 'é'],
      ['U+00FF', '\u00FF'],
      ['U+00A0', '\u00A0'],
      ['U+007F', '\u007F'],
      ['an escaped é', '\\u00e9'],
      ['an escaped tab', '\\t'],
    ];
    it.each(accepted)('accepts %s', (_name, ch) => {
      expect(parse(withStatement(`"Sid":"a${ch}b",${ALLOW}`)).statements[0]?.sid).toMatch(/^a.b$/s);
    });

    it('accepts tab, CR and LF as white space', () => {
      expect(parse(`{\t"Statement"\r\n:{${ALLOW}}}`).statements).toHaveLength(1);
    });
  });

  describe('duplicate member names are rejected, never last-wins', () => {
    const cases: [string, string, string][] = [
      ['Effect', withStatement('"Effect":"Allow","Effect":"Deny","Action":"s3:*","Resource":"*"'), '/Statement/0/Effect'],
      ['Version', '{"Version":"2012-10-17","Version":"2008-10-17","Statement":{}}', '/Version'],
      ['a condition key', withStatement(`${ALLOW},"Condition":{"Bool":{"aws:SecureTransport":"true","aws:SecureTransport":"false"}}`), '/Statement/0/Condition/Bool/aws:SecureTransport'],
      ['a principal type', withStatement('"Effect":"Allow","Principal":{"AWS":"*","AWS":"123456789012"},"Action":"s3:*"'), '/Statement/0/Principal/AWS'],
    ];
    it.each(cases)('rejects a duplicate %s', (_name, text, pointer) => {
      const e = malformed(() => parse(text));
      expect(e.pointer).toBe(pointer);
      expect(e.message).toContain('Duplicate member name');
    });
  });

  it('parses a 6 KB policy in well under a few milliseconds', () => {
    const statements = Array.from({ length: 40 }, (_, i) => ({
      Sid: `S${i}`,
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: [`arn:aws:s3:::bucket-${i}/*`],
      Condition: { StringEquals: { 'aws:PrincipalTag/team': ['a', 'b'] } },
    }));
    const text = JSON.stringify({ Version: '2012-10-17', Statement: statements });
    expect(text.length).toBeGreaterThan(6000);
    for (let i = 0; i < 50; i++) parse(text); // warm up
    const runs = 500;
    const start = performance.now();
    for (let i = 0; i < runs; i++) parse(text);
    const perParse = (performance.now() - start) / runs;
    expect(perParse).toBeLessThan(2);
  });
});

describe('grammar', () => {
  const rejected: [string, string, string][] = [
    // [title, document, pointer]
    ['a top level that is an array', '[]', ''],
    ['a top level that is a string', '"policy"', ''],
    ['an unknown top-level element', '{"Version":"2012-10-17","Foo":1,"Statement":{}}', '/Foo'],
    ['a lower-case top-level element', '{"version":"2012-10-17","Statement":{}}', '/version'],
    ['a Version that is not a string', '{"Version":2012,"Statement":{}}', '/Version'],
    ['a Version that is not a known date', '{"Version":"2012-10-18","Statement":{}}', '/Version'],
    ['a Version with blanks', '{"Version":" 2012-10-17","Statement":{}}', '/Version'],
    ['an Id that is not a string', '{"Id":1,"Statement":{}}', '/Id'],
    ['a missing Statement', '{"Version":"2012-10-17"}', ''],
    ['a Statement that is a string', '{"Statement":"x"}', '/Statement'],
    ['a Statement that is null', '{"Statement":null}', '/Statement'],
    ['an empty Statement array', '{"Statement":[]}', '/Statement'],
    ['a statement that is not an object', `{"Statement":[{${ALLOW}},1]}`, '/Statement/1'],
    ['an unknown statement element', withStatement(`${ALLOW},"Foo":"x"`), '/Statement/0/Foo'],
    ['a lower-case action', withStatement('"Effect":"Allow","action":"s3:*","Resource":"*"'), '/Statement/0/action'],
    ['a Sid that is not a string', withStatement(`"Sid":1,${ALLOW}`), '/Statement/0/Sid'],
    ['a missing Effect', withStatement('"Action":"s3:*","Resource":"*"'), '/Statement/0'],
    ['an Effect that is a number', withStatement('"Effect":1,"Action":"s3:*","Resource":"*"'), '/Statement/0/Effect'],
    ['a lower-case Effect', withStatement('"Effect":"allow","Action":"s3:*","Resource":"*"'), '/Statement/0/Effect'],
    ['an Effect of Permit', withStatement('"Effect":"Permit","Action":"s3:*","Resource":"*"'), '/Statement/0/Effect'],
    ['Principal and NotPrincipal together', withStatement(`${ALLOW},"Principal":"*","NotPrincipal":"*"`), '/Statement/0/NotPrincipal'],
    ['a Principal string other than *', withStatement(`${ALLOW},"Principal":"arn:aws:iam::123456789012:root"`), '/Statement/0/Principal'],
    ['a Principal array', withStatement(`${ALLOW},"Principal":["*"]`), '/Statement/0/Principal'],
    ['an empty Principal object', withStatement(`${ALLOW},"Principal":{}`), '/Statement/0/Principal'],
    ['an unknown principal type', withStatement(`${ALLOW},"Principal":{"User":"x"}`), '/Statement/0/Principal/User'],
    ['a lower-case principal type', withStatement(`${ALLOW},"Principal":{"aws":"*"}`), '/Statement/0/Principal/aws'],
    ['an empty principal array', withStatement(`${ALLOW},"Principal":{"AWS":[]}`), '/Statement/0/Principal/AWS'],
    ['an empty principal string', withStatement(`${ALLOW},"NotPrincipal":{"AWS":""}`), '/Statement/0/NotPrincipal/AWS'],
    ['a principal value that is a number', withStatement(`${ALLOW},"Principal":{"AWS":[123456789012]}`), '/Statement/0/Principal/AWS/0'],
    ['Action and NotAction together', withStatement('"Effect":"Allow","Action":"s3:*","NotAction":"iam:*","Resource":"*"'), '/Statement/0/NotAction'],
    ['Resource and NotResource together', withStatement('"Effect":"Allow","Action":"s3:*","Resource":"*","NotResource":"*"'), '/Statement/0/NotResource'],
    ['an Action object', withStatement('"Effect":"Allow","Action":{},"Resource":"*"'), '/Statement/0/Action'],
    ['an empty Action array', withStatement('"Effect":"Allow","Action":[],"Resource":"*"'), '/Statement/0/Action'],
    ['an empty Action string', withStatement('"Effect":"Allow","Action":"","Resource":"*"'), '/Statement/0/Action'],
    ['an empty string in an Action array', withStatement('"Effect":"Allow","Action":["s3:*",""],"Resource":"*"'), '/Statement/0/Action/1'],
    ['a number in a NotAction array', withStatement('"Effect":"Allow","NotAction":[1],"Resource":"*"'), '/Statement/0/NotAction/0'],
    ['a null Resource', withStatement('"Effect":"Allow","Action":"s3:*","Resource":null'), '/Statement/0/Resource'],
    ['an empty Resource array', withStatement('"Effect":"Allow","Action":"s3:*","Resource":[]'), '/Statement/0/Resource'],
    ['an empty NotResource string', withStatement('"Effect":"Allow","Action":"s3:*","NotResource":""'), '/Statement/0/NotResource'],
    ['a Condition array', withStatement(`${ALLOW},"Condition":[]`), '/Statement/0/Condition'],
    ['an operator that maps to a string', withStatement(`${ALLOW},"Condition":{"StringEquals":"x"}`), '/Statement/0/Condition/StringEquals'],
    ['an operator with no keys', withStatement(`${ALLOW},"Condition":{"StringEquals":{}}`), '/Statement/0/Condition/StringEquals'],
    ['a null condition value', withStatement(`${ALLOW},"Condition":{"StringEquals":{"a:b":null}}`), '/Statement/0/Condition/StringEquals/a:b'],
    ['an empty condition value array', withStatement(`${ALLOW},"Condition":{"StringEquals":{"a:b":[]}}`), '/Statement/0/Condition/StringEquals/a:b'],
    ['an object in a condition value array', withStatement(`${ALLOW},"Condition":{"StringEquals":{"a:b":["x",{}]}}`), '/Statement/0/Condition/StringEquals/a:b/1'],
    ['a condition key with a slash, pointer-escaped', withStatement(`${ALLOW},"Condition":{"StringEquals":{"aws:PrincipalTag/t~x":{}}}`), '/Statement/0/Condition/StringEquals/aws:PrincipalTag~1t~0x'],
    ['a wrong type in a lone statement object', `{"Statement":{"Effect":"Allow","Action":{}}}`, '/Statement/Action'],
  ];
  it.each(rejected)('rejects %s', (_title, text, pointer) => {
    expect(malformed(() => parse(text)).pointer).toBe(pointer);
  });

  it('says element names are case-sensitive when a case variant is used', () => {
    const e = malformed(() => parse(withStatement('"Effect":"Allow","action":"s3:*","Resource":"*"')));
    expect(e.message).toContain('unknown element action');
    expect(e.message).toContain('did you mean Action');
  });

  it('builds the tree of a full statement', () => {
    const policy = parse(
      JSON.stringify({
        Version: '2012-10-17',
        Id: 'P1',
        Statement: [
          { Effect: 'Deny', NotAction: 'iam:*', NotResource: ['arn:aws:s3:::a', 'arn:aws:s3:::b'] },
          {
            Sid: 'Trust',
            Effect: 'Allow',
            Principal: { AWS: ['123456789012', 'arn:aws:iam::123456789012:root'], Service: 'ec2.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: {
              NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 },
              Bool: { 'aws:SecureTransport': [true, 'false'] },
            },
          },
        ],
      }),
    );
    expect(policy).toMatchObject({ version: '2012-10-17', id: 'P1', statementIsArray: true });
    expect(policy.statements).toEqual([
      {
        index: 0,
        sid: undefined,
        effect: 'Deny',
        principal: undefined,
        action: { not: true, values: ['iam:*'] },
        resource: { not: true, values: ['arn:aws:s3:::a', 'arn:aws:s3:::b'] },
        conditions: [],
      },
      {
        index: 1,
        sid: 'Trust',
        effect: 'Allow',
        principal: {
          not: false,
          wildcard: false,
          entries: [
            { type: 'AWS', value: '123456789012' },
            { type: 'AWS', value: 'arn:aws:iam::123456789012:root' },
            { type: 'Service', value: 'ec2.amazonaws.com' },
          ],
        },
        action: { not: false, values: ['sts:AssumeRole'] },
        resource: undefined,
        conditions: [
          { operator: 'NumericLessThan', key: 'aws:MultiFactorAuthAge', values: ['3600'] },
          { operator: 'Bool', key: 'aws:SecureTransport', values: ['true', 'false'] },
        ],
      },
    ]);
  });

  it('reads a lone statement object as statement 0, not an array', () => {
    const policy = parse(`{"Statement":{${ALLOW}}}`);
    expect(policy.statementIsArray).toBe(false);
    expect(policy.statements.map((s) => s.index)).toEqual([0]);
    expect(policy.version).toBeUndefined();
    expect(policy.id).toBeUndefined();
  });

  it('reads Principal "*" as a wildcard and NotPrincipal as negated', () => {
    expect(parse(withStatement(`${ALLOW},"Principal":"*"`)).statements[0]?.principal).toEqual({
      not: false,
      wildcard: true,
      entries: [],
    });
    expect(parse(withStatement(`${ALLOW},"NotPrincipal":{"AWS":"*"}`)).statements[0]?.principal).toEqual({
      not: true,
      wildcard: false,
      entries: [{ type: 'AWS', value: '*' }],
    });
  });

  it('keeps condition numbers as their JSON text', () => {
    const policy = parse(withStatement(`${ALLOW},"Condition":{"NumericEquals":{"a:b":[1.50,-0,1e3]}}`));
    expect(policy.statements[0]?.conditions[0]?.values).toEqual(['1.50', '-0', '1e3']);
  });

  it('accepts empty condition strings and an empty Condition block', () => {
    expect(parse(withStatement(`${ALLOW},"Condition":{"StringEquals":{"a:b":""}}`)).statements[0]?.conditions).toEqual([
      { operator: 'StringEquals', key: 'a:b', values: [''] },
    ]);
    expect(parse(withStatement(`${ALLOW},"Condition":{}`)).statements[0]?.conditions).toEqual([]);
  });

  it('leaves a missing Action or Resource to validation', () => {
    const s = parse(withStatement('"Effect":"Allow"')).statements[0];
    expect(s?.action).toBeUndefined();
    expect(s?.resource).toBeUndefined();
  });

  it('accepts both policy versions', () => {
    expect(parse(`{"Version":"2008-10-17","Statement":{${ALLOW}}}`).version).toBe('2008-10-17');
    expect(parse(`{"Version":"2012-10-17","Statement":{${ALLOW}}}`).version).toBe('2012-10-17');
  });

  it('counts every character but white space as the size, including blanks inside strings', () => {
    const compact = `{"Statement":{"Sid":"ab","Effect":"Allow","Action":"s3:*","Resource":"*"}}`;
    expect(parse(compact).size).toBe(compact.length);
    const padded = ` {\n\t"Statement" : {"Sid":"ab",  "Effect":"Allow",\r\n"Action":"s3:*","Resource":"*"}}  `;
    expect(parse(padded).size).toBe(compact.length);
    expect(parse(compact.replace('"ab"', '"a b"')).size).toBe(compact.length);
  });
});
