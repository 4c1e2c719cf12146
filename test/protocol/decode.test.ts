import { describe, expect, it } from 'vitest';
import { compilePattern, codePointLength, decodeInput, ECHOED_VALUE_LIMIT } from '../../src/protocol/decode.js';
import { loadModel, serviceModel, type ModelJson } from '../../src/protocol/model.js';
import { parseQueryParams } from '../../src/protocol/query.js';
import { ServiceError } from '../../src/shared/service-error.js';

const iam = serviceModel('iam');
const sts = serviceModel('sts');

function params(entries: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(entries));
}

/** The error decodeInput throws, for asserting its code and exact message. */
function failure(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ServiceError) return e;
    throw e;
  }
  throw new Error('expected a ServiceError');
}

function validationMessage(op: string, entries: Record<string, string>, service = iam): string {
  const e = failure(() => decodeInput(service, op, params(entries)));
  expect(e.code).toBe('ValidationError');
  expect(e.status).toBe(400);
  return e.message;
}

describe('decoding parameters', () => {
  it('reads scalars, a list of structures and ignores unknown parameters', () => {
    const input = decodeInput(
      iam,
      'CreateUser',
      parseQueryParams(
        'Action=CreateUser&Version=2010-05-08&UserName=bob&Path=%2Fdev%2F' +
          '&Tags.member.1.Key=team&Tags.member.1.Value=core&Tags.member.2.Key=cost&Tags.member.2.Value=' +
          '&Unknown=1&Tags.member.1.Extra=x',
      ),
    );
    expect(input).toEqual({
      UserName: 'bob',
      Path: '/dev/',
      Tags: [
        { Key: 'team', Value: 'core' },
        { Key: 'cost', Value: '' },
      ],
    });
  });

  it('reads a list of structures holding a list (SimulatePrincipalPolicy ContextEntries)', () => {
    const input = decodeInput(
      iam,
      'SimulatePrincipalPolicy',
      params({
        PolicySourceArn: 'arn:aws:iam::123456789012:user/bob',
        'ActionNames.member.1': 's3:GetObject',
        'ActionNames.member.2': 'iam:ListUsers',
        'ContextEntries.member.1.ContextKeyName': 'aws:SourceIp',
        'ContextEntries.member.1.ContextKeyType': 'ipList',
        'ContextEntries.member.1.ContextKeyValues.member.1': '10.0.0.1',
        'ContextEntries.member.1.ContextKeyValues.member.2': '10.0.0.2',
        'ContextEntries.member.2.ContextKeyName': 'aws:MultiFactorAuthPresent',
        'ContextEntries.member.2.ContextKeyType': 'boolean',
        'ContextEntries.member.2.ContextKeyValues.member.1': 'true',
        MaxItems: '20',
      }),
    );
    expect(input).toEqual({
      PolicySourceArn: 'arn:aws:iam::123456789012:user/bob',
      ActionNames: ['s3:GetObject', 'iam:ListUsers'],
      ContextEntries: [
        { ContextKeyName: 'aws:SourceIp', ContextKeyType: 'ipList', ContextKeyValues: ['10.0.0.1', '10.0.0.2'] },
        { ContextKeyName: 'aws:MultiFactorAuthPresent', ContextKeyType: 'boolean', ContextKeyValues: ['true'] },
      ],
      MaxItems: 20,
    });
  });

  it('reads integers, booleans and nested structures', () => {
    expect(
      decodeInput(iam, 'UpdateAccountPasswordPolicy', params({ MinimumPasswordLength: '12', RequireSymbols: 'true', HardExpiry: 'FALSE' })),
    ).toEqual({ MinimumPasswordLength: 12, RequireSymbols: true, HardExpiry: false });
    expect(
      decodeInput(sts, 'AssumeRole', params({ RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 's1', 'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess', DurationSeconds: '+900' })),
    ).toEqual({ RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 's1', PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }], DurationSeconds: 900 });
  });

  it('reads `Name=` as an empty list, as botocore and the JS SDK send it', () => {
    expect(decodeInput(iam, 'CreateUser', params({ UserName: 'bob', Tags: '' }))).toEqual({ UserName: 'bob', Tags: [] });
  });

  it('returns an empty object for an operation without input', () => {
    expect(decodeInput(iam, 'GetAccountSummary', params({ Foo: 'bar' }))).toEqual({});
  });

  it('refuses values that are not of their type with InvalidParameterValue', () => {
    for (const [op, entries, expected] of [
      ['ListUsers', { MaxItems: '10.5' }, 'Value (10.5) for parameter MaxItems is invalid. Expected an integer.'],
      ['ListUsers', { MaxItems: 'ten' }, 'Value (ten) for parameter MaxItems is invalid. Expected an integer.'],
      ['ListUsers', { MaxItems: '4294967296' }, 'Value (4294967296) for parameter MaxItems is invalid. Expected an integer between -2147483648 and 2147483647.'],
      ['UpdateAccountPasswordPolicy', { RequireSymbols: 'yes' }, 'Value (yes) for parameter RequireSymbols is invalid. Expected true or false.'],
    ] as const) {
      const e = failure(() => decodeInput(iam, op, params(entries)));
      expect(e.code).toBe('InvalidParameterValue');
      expect(e.status).toBe(400);
      expect(e.message).toBe(expected);
    }
  });

  it('refuses list indexes that are not 1..n without gaps', () => {
    const gap = failure(() => decodeInput(iam, 'CreateUser', params({ UserName: 'b', 'Tags.member.1.Key': 'a', 'Tags.member.1.Value': 'a', 'Tags.member.3.Key': 'c', 'Tags.member.3.Value': 'c' })));
    expect([gap.code, gap.message]).toEqual(['InvalidParameterValue', 'The parameter Tags.member.2 is missing: list indexes must be contiguous from 1.']);
    for (const index of ['0', '01', 'x', '1000000']) {
      const e = failure(() => decodeInput(iam, 'CreateUser', params({ UserName: 'b', [`Tags.member.${index}.Key`]: 'a', [`Tags.member.${index}.Value`]: 'a' })));
      expect(e.code).toBe('InvalidParameterValue');
      expect(e.message).toContain(`Tags.member.${index}`);
    }
  });

  it('throws InvalidAction for an operation the model lacks', () => {
    const e = failure(() => decodeInput(iam, 'CreateBucket', params({})));
    expect([e.code, e.message]).toEqual(['InvalidAction', 'Could not find operation CreateBucket for version 2010-05-08']);
  });
});

describe('validation messages, in AWS words', () => {
  it('a pattern violation', () => {
    expect(validationMessage('CreateUser', { UserName: 'bad name!' })).toBe(
      "1 validation error detected: Value 'bad name!' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
  });

  it('a missing required member and a length violation, counted, in member order', () => {
    expect(validationMessage('CreateUser', { Path: `/${'a'.repeat(511)}/` })).toBe(
      `2 validation errors detected: Value '/${'a'.repeat(511)}/' at 'path' failed to satisfy constraint: Member must have length less than or equal to 512; ` +
        "Value null at 'userName' failed to satisfy constraint: Member must not be null",
    );
  });

  it('an empty string fails both the minimum length and the pattern', () => {
    expect(validationMessage('GetUser', { UserName: '' })).toBe(
      "2 validation errors detected: Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value '' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
  });

  it('nested members are named like tags.1.member.key', () => {
    expect(validationMessage('CreateUser', { UserName: 'bob', 'Tags.member.1.Key': 'k', 'Tags.member.2.Key': 'a{b}', 'Tags.member.2.Value': 'v' })).toBe(
      "2 validation errors detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null; " +
        "Value 'a{b}' at 'tags.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
    );
  });

  it('a list of lists names the inner element path', () => {
    expect(
      validationMessage('SimulatePrincipalPolicy', {
        PolicySourceArn: 'arn:aws:iam::123456789012:user/bob',
        'ActionNames.member.1': 's3:GetObject',
        'ContextEntries.member.1.ContextKeyName': 'a',
        'ContextEntries.member.1.ContextKeyValues.member.1': 'x',
        'ContextEntries.member.1.ContextKeyType': 'text',
      }),
    ).toBe(
      "2 validation errors detected: Value 'a' at 'contextEntries.1.member.contextKeyName' failed to satisfy constraint: Member must have length greater than or equal to 5; " +
        "Value 'text' at 'contextEntries.1.member.contextKeyType' failed to satisfy constraint: Member must satisfy enum value set: [string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList]",
    );
  });

  it('integer bounds', () => {
    expect(validationMessage('ListUsers', { MaxItems: '0' })).toBe(
      "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expect(validationMessage('ListUsers', { MaxItems: '1001' })).toBe(
      "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
    expect(validationMessage('AssumeRole', { RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 's1', DurationSeconds: '43201' }, sts)).toBe(
      "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
    );
  });

  it('list length bounds, with the list shown as Java prints it', () => {
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [[`Tags.member.${i + 1}.Key`, `k${i}`], [`Tags.member.${i + 1}.Value`, 'v']]).flat());
    const message = validationMessage('CreateUser', { UserName: 'bob', ...tags });
    expect(message).toMatch(/^1 validation error detected: Value '\[\{Key=k0, Value=v\}, \{Key=k1, Value=v\}, .*\{Key=k50, Value=v\}\]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50$/);
    expect(validationMessage('CreateOpenIDConnectProvider', { Url: 'https://example.com', 'ThumbprintList.member.1': 'short' })).toBe(
      "1 validation error detected: Value 'short' at 'thumbprintList.1.member' failed to satisfy constraint: Member must have length greater than or equal to 40",
    );
  });

  it('a long value is echoed only in part: a 140 KB document does not make a 140 KB message', () => {
    const document = `{"Version":"2012-10-17","Statement":[]}${' '.repeat(140 * 1024)}`;
    const message = validationMessage('CreatePolicy', { PolicyName: 'big', PolicyDocument: document });
    expect(message).toBe(
      `1 validation error detected: Value '${document.slice(0, ECHOED_VALUE_LIMIT)}...' at 'policyDocument' failed to satisfy constraint: Member must have length less than or equal to 131072`,
    );
    expect(message.length).toBeLessThan(ECHOED_VALUE_LIMIT + 200);
  });

  it('a value cut short keeps its surrogate pairs whole', () => {
    const description = `${'a'.repeat(ECHOED_VALUE_LIMIT - 1)}${'\u{1F600}'.repeat(10)}`;
    const message = validationMessage('CreateRole', { RoleName: 'r', AssumeRolePolicyDocument: '{}', Description: description });
    expect(message).toContain(`Value '${'a'.repeat(ECHOED_VALUE_LIMIT - 1)}...' at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000`);
    expect(message).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('a value that cannot be read as its type is echoed only in part too', () => {
    const e = failure(() => decodeInput(iam, 'ListUsers', params({ MaxItems: '9'.repeat(140 * 1024) })));
    expect(e.code).toBe('InvalidParameterValue');
    expect(e.message).toBe(`Value (${'9'.repeat(ECHOED_VALUE_LIMIT)}...) for parameter MaxItems is invalid. Expected an integer.`);
  });

  it('a sensitive value is redacted, never echoed', () => {
    const message = validationMessage('CreateLoginProfile', { UserName: 'bob', Password: 'hunter2\u0001' });
    expect(message).toBe(
      "1 validation error detected: Value '*** Sensitive Data Redacted ***' at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
    );
    expect(message).not.toContain('hunter2');
  });

  it('lengths count code points: a letter beyond U+FFFF is one character', () => {
    expect(codePointLength('a😀b')).toBe(3);
    expect(codePointLength('\uD800x')).toBe(2); // a lone surrogate counts as one
    // 128 × U+1D49C (a \p{L} letter, 2 UTF-16 units each) passes the tag key length of 128; 129 fails.
    const key = '\u{1D49C}'.repeat(128);
    expect(validationMessage('TagUser', { UserName: 'bob', 'Tags.member.1.Key': `${key}a`, 'Tags.member.1.Value': 'v' })).toContain(
      "at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128",
    );
    expect(decodeInput(iam, 'TagUser', params({ UserName: 'bob', 'Tags.member.1.Key': key, 'Tags.member.1.Value': 'v' }))).toEqual({
      UserName: 'bob',
      Tags: [{ Key: key, Value: 'v' }],
    });
  });
});

describe('model patterns', () => {
  it('every pattern of every model compiles', () => {
    for (const service of [iam, sts]) {
      for (const shape of service.shapes.values()) {
        if (shape.type === 'string' && shape.pattern !== undefined) expect(() => compilePattern(shape.pattern as string)).not.toThrow();
      }
    }
  });

  it('match the whole string, with an ASCII \\w', () => {
    const name = compilePattern('[\\w+=,.@-]+');
    expect(name.test('alice')).toBe(true);
    expect(name.test('alice bob')).toBe(false); // not a partial match
    for (const lookalike of ['Ａdmin', '\u212Aelvin', 'adm\u0131n', 'é']) expect(name.test(lookalike)).toBe(false);
    expect(compilePattern('[\\w+=,.@-]+')).toBe(name); // compiled once
  });

  it('understand \\p{L}, \\u0021-style escapes, \\: and supplementary code points', () => {
    expect(compilePattern('[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+').test('Équipe 1')).toBe(true);
    expect(compilePattern('[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+').test('a{b}')).toBe(false);
    expect(compilePattern('(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)').test('/a/b/')).toBe(true);
    expect(compilePattern('(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)').test('/a b/')).toBe(false);
    expect(compilePattern('[\\w+=,.@\\:-]*').test('a:b')).toBe(true);
    const arn = compilePattern('[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+');
    expect(arn.test('arn:aws:iam::123456789012:user/😀')).toBe(true);
    expect(arn.test('arn\u0000')).toBe(false);
  });
});

describe('models of our own', () => {
  const json: ModelJson = {
    metadata: { apiVersion: '2026-01-01', endpointPrefix: 'deployport', signingName: 'deployport', protocol: 'query', serviceId: 'Deployport', xmlNamespace: 'https://deployport.example/doc/2026-01-01/' },
    operations: { CreateAccount: { name: 'CreateAccount', input: 'CreateAccountRequest', output: 'CreateAccountResponse', resultWrapper: 'CreateAccountResult' } },
    shapes: {
      CreateAccountRequest: { type: 'structure', required: ['AccountName'], members: { AccountName: { shape: 'name' }, Labels: { shape: 'labels' }, Aliases: { shape: 'aliases', locationName: 'Alias' }, Options: { shape: 'options' } } },
      CreateAccountResponse: { type: 'structure', members: { AccountId: { shape: 'name' } } },
      name: { type: 'string', min: 1, max: 20, pattern: '[a-z_]+' },
      labels: { type: 'map', key: { shape: 'name' }, value: { shape: 'name' } },
      aliases: { type: 'list', member: { shape: 'name', locationName: 'Item' }, flattened: true },
      options: { type: 'map', key: { shape: 'name', locationName: 'Name' }, value: { shape: 'count', locationName: 'Count' }, flattened: true },
      count: { type: 'long', min: 0 },
    },
  };
  const own = loadModel('deployport', json);

  it('decode maps, flattened and renamed lists and maps', () => {
    expect(
      decodeInput(
        own,
        'CreateAccount',
        params({
          AccountName: 'acme',
          'Labels.entry.1.key': 'env',
          'Labels.entry.1.value': 'prod',
          'Labels.entry.2.key': 'tier',
          'Labels.entry.2.value': 'gold',
          'Item.1': 'one',
          'Item.2': 'two',
          'Options.1.Name': 'seats',
          'Options.1.Count': '9007199254740991',
        }),
      ),
    ).toEqual({ AccountName: 'acme', Labels: { env: 'prod', tier: 'gold' }, Aliases: ['one', 'two'], Options: { seats: 9007199254740991 } });
  });

  it('refuse a map key given twice and validate map keys', () => {
    const e = failure(() => decodeInput(own, 'CreateAccount', params({ AccountName: 'a', 'Labels.entry.1.key': 'x', 'Labels.entry.1.value': 'y', 'Labels.entry.2.key': 'x', 'Labels.entry.2.value': 'z' })));
    expect([e.code, e.message]).toEqual(['InvalidParameterValue', 'The map Labels has the key x more than once.']);
    expect(validationMessage('CreateAccount', { AccountName: 'a', 'Labels.entry.1.key': 'X', 'Labels.entry.1.value': 'y' }, own)).toBe(
      "1 validation error detected: Value 'X' at 'labels.1.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z_]+",
    );
  });

  it('a map key named __proto__ stays a plain key', () => {
    const input = decodeInput(own, 'CreateAccount', params({ AccountName: 'a', 'Labels.entry.1.key': '__proto__', 'Labels.entry.1.value': 'x' }));
    expect(Object.keys(input.Labels as object)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(input.Labels)).toBe(Object.prototype);
  });

  it('a broken model fails when loaded, naming the problem', () => {
    const { name: _, ...withoutName } = json.shapes;
    expect(() => loadModel('bad', { ...json, shapes: withoutName })).toThrow(/refers to missing shape name/);
    expect(() => loadModel('bad', { ...json, operations: { X: { name: 'X', input: 'name' } } })).toThrow(/X input name is not a structure shape/);
  });
});
