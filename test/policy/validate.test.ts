import { describe, expect, it } from 'vitest';
import type { Policy, PolicyKind } from '../../src/policy/ast.js';
import { MalformedPolicyDocumentError, PolicySizeExceededError } from '../../src/policy/errors.js';
import { parse } from '../../src/policy/parse.js';
import { checkPolicy, DEFAULT_MAX_SIZE, validate, type Diagnostic } from '../../src/policy/validate.js';

type Doc = Record<string, unknown>;

const ACCOUNT = '123456789012';
const identityStatement: Doc = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' };
const trustStatement: Doc = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' };
const resourceStatement: Doc = { ...identityStatement, Principal: { AWS: ACCOUNT } };

/** A 2012-10-17 policy with the given statements as an array. */
function doc(...statements: Doc[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

function errorsOf(text: string, kind: PolicyKind, options?: { maxSize?: number; partitions?: readonly string[] }): Diagnostic[] {
  return validate(parse(text), kind, options).filter((d) => d.severity === 'error');
}

/** The single error a document has for a kind; fails when there are none or several. */
function onlyError(text: string, kind: PolicyKind): Diagnostic {
  const errors = errorsOf(text, kind);
  expect(errors).toHaveLength(1);
  return errors[0]!;
}

function checkFails(text: string, kind: PolicyKind): MalformedPolicyDocumentError {
  try {
    checkPolicy(text, kind);
  } catch (err) {
    expect(err).toBeInstanceOf(MalformedPolicyDocumentError);
    const e = err as MalformedPolicyDocumentError;
    expect(e.code).toBe('MalformedPolicyDocument');
    return e;
  }
  return expect.fail('expected a MalformedPolicyDocumentError');
}

describe('valid policies of every kind', () => {
  const valid: [PolicyKind, string][] = [
    ['identity', doc(identityStatement)],
    ['boundary', doc({ Effect: 'Allow', NotAction: 'iam:*', NotResource: '*' })],
    ['session', doc({ Sid: 'S1', Effect: 'Allow', Action: '*', Resource: '*' })],
    ['trust', doc(trustStatement)],
    ['resource', doc(resourceStatement)],
  ];
  it.each(valid)('a well-formed %s policy has no diagnostics', (kind, text) => {
    expect(validate(parse(text), kind)).toEqual([]);
    expect(checkPolicy(text, kind).statements).toHaveLength(1);
  });
});

describe('required and prohibited elements per kind', () => {
  const cases: [string, PolicyKind, Doc, string, string][] = [
    // [title, kind, statement, message, pointer]
    ['a Principal in an identity policy', 'identity', { ...identityStatement, Principal: '*' }, 'Policy document should not specify a principal.', '/Statement/0/Principal'],
    ['a NotPrincipal in an identity policy', 'identity', { ...identityStatement, NotPrincipal: { AWS: ACCOUNT } }, 'Policy document should not specify a principal.', '/Statement/0/NotPrincipal'],
    ['a Principal in a boundary', 'boundary', { ...identityStatement, Principal: '*' }, 'Policy document should not specify a principal.', '/Statement/0/Principal'],
    ['a Principal in a session policy', 'session', { ...identityStatement, Principal: '*' }, 'Policy document should not specify a principal.', '/Statement/0/Principal'],
    ['a missing Action in an identity policy', 'identity', { Effect: 'Allow', Resource: '*' }, 'Policy statement must contain actions.', '/Statement/0'],
    ['a missing Resource in an identity policy', 'identity', { Effect: 'Allow', Action: 's3:*' }, 'Policy statement must contain resources.', '/Statement/0'],
    ['a missing Resource in a boundary', 'boundary', { Effect: 'Allow', Action: 's3:*' }, 'Policy statement must contain resources.', '/Statement/0'],
    ['a missing Action in a session policy', 'session', { Effect: 'Allow', NotResource: '*' }, 'Policy statement must contain actions.', '/Statement/0'],
    ['a missing Principal in a trust policy', 'trust', { Effect: 'Allow', Action: 'sts:AssumeRole' }, 'Missing required field Principal', '/Statement/0'],
    ['a missing Action in a trust policy', 'trust', { Effect: 'Allow', Principal: '*' }, 'Policy statement must contain actions.', '/Statement/0'],
    ['a Resource in a trust policy', 'trust', { ...trustStatement, Resource: '*' }, 'Has prohibited field Resource', '/Statement/0/Resource'],
    ['a NotResource in a trust policy', 'trust', { ...trustStatement, NotResource: '*' }, 'Has prohibited field NotResource', '/Statement/0/NotResource'],
    ['a missing Principal in a resource policy', 'resource', identityStatement, 'Missing required field Principal', '/Statement/0'],
    ['a missing Resource in a resource policy', 'resource', { Effect: 'Allow', Principal: '*', Action: 's3:*' }, 'Policy statement must contain resources.', '/Statement/0'],
    ['a missing Action in a resource policy', 'resource', { Effect: 'Allow', Principal: '*', Resource: '*' }, 'Policy statement must contain actions.', '/Statement/0'],
  ];
  it.each(cases)('rejects %s', (_title, kind, statement, message, pointer) => {
    expect(onlyError(doc(statement), kind)).toEqual({ severity: 'error', code: 'MalformedPolicyDocument', message, pointer });
    const e = checkFails(doc(statement), kind);
    expect(e.pointer).toBe(pointer);
    expect(e.message).toContain(message);
  });

  it('points into a lone statement object without an index', () => {
    const text = JSON.stringify({ Statement: { ...identityStatement, Principal: '*' } });
    expect(errorsOf(text, 'identity').map((d) => d.pointer)).toEqual(['/Statement/Principal']);
  });

  it('rejects Action with NotAction and Resource with NotResource through checkPolicy', () => {
    expect(checkFails(doc({ ...identityStatement, NotAction: 's3:*' }), 'identity').pointer).toBe('/Statement/0/NotAction');
    expect(checkFails(doc({ ...identityStatement, NotResource: '*' }), 'identity').pointer).toBe('/Statement/0/NotResource');
  });
});

describe('trust policy actions', () => {
  it.each([
    'sts:AssumeRole',
    'sts:AssumeRoleWithWebIdentity',
    'sts:AssumeRoleWithSAML',
    'sts:TagSession',
    'sts:SetSourceIdentity',
    'sts:SetContext',
    'sts:assumerole',
    'sts:*',
    'sts:Assume*',
    '*',
  ])('accepts %s', (action) => {
    expect(errorsOf(doc({ ...trustStatement, Action: action }), 'trust')).toEqual([]);
  });

  it.each(['s3:GetObject', 'sts:GetCallerIdentity', 'iam:PassRole'])('rejects %s', (action) => {
    const d = onlyError(doc({ ...trustStatement, Action: ['sts:AssumeRole', action] }), 'trust');
    expect(d.message).toContain('AssumeRole policy may only specify STS AssumeRole actions.');
    expect(d.pointer).toBe('/Statement/0/Action');
  });
});

describe('action strings', () => {
  it.each(['*', 's3:*', 's3:GetObject', 's3:Get*', 's3:?etObject', 'execute-api:Invoke', 'S3:getobject'])(
    'accepts %s',
    (action) => {
      expect(errorsOf(doc({ ...identityStatement, Action: action }), 'identity')).toEqual([]);
    },
  );

  const bad: [string, string][] = [
    ['s3GetObject', 'prefaced by a vendor'],
    ['s3*:GetObject', 'Action vendor'],
    ['s 3:GetObject', 'Action vendor'],
    [':GetObject', 'Action vendor'],
    ['s3:', 'Action name'],
    ['s3:Get-Object', 'Action name'],
    ['s3:Get Object', 'Action name'],
    ['s3:Get:Object', 'Action name'],
  ];
  it.each(bad)('rejects %s', (action, message) => {
    const d = onlyError(doc({ ...identityStatement, Action: ['s3:ListBucket', action] }), 'identity');
    expect(d.message).toContain(message);
    expect(d.pointer).toBe('/Statement/0/Action');
  });

  it('checks NotAction values too', () => {
    expect(onlyError(doc({ Effect: 'Deny', NotAction: 'iam', Resource: '*' }), 'identity').pointer).toBe(
      '/Statement/0/NotAction',
    );
  });
});

describe('resource strings', () => {
  it.each([
    '*',
    'arn:aws:s3:::bucket',
    'arn:aws:s3:::bucket/*',
    `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`,
    'arn:aws:iam::${aws:PrincipalAccount}:role/x',
    'arn:*:s3:::bucket',
    'arn:aws-cn:s3:::bucket',
    'arn:aws-us-gov:ec2:us-gov-west-1:123456789012:instance/*',
    'arn:aws:dynamodb:us-east-1:123456789012:table/t/index/*',
    'arn:aws:*:*:*:*',
  ])('accepts %s', (resource) => {
    expect(errorsOf(doc({ ...identityStatement, Resource: resource }), 'identity')).toEqual([]);
  });

  it.each(['arn:aws:s3', 'foo', 'arn:foo:s3:::bucket', 'arn:aws::::x', 'arn:aws:s3:::', 'aws:s3:::bucket', 'ARN:aws:s3:::b', '**'])(
    'rejects %s',
    (resource) => {
      const d = onlyError(doc({ ...identityStatement, Resource: ['*', resource] }), 'identity');
      expect(d.message).toBe(`Resource ${resource} must be in ARN format or "*".`);
      expect(d.pointer).toBe('/Statement/0/Resource');
    },
  );

  it('accepts another partition when told to', () => {
    const text = doc({ ...identityStatement, Resource: 'arn:deployport:s3:::bucket' });
    expect(errorsOf(text, 'identity')).toHaveLength(1);
    expect(errorsOf(text, 'identity', { partitions: ['deployport'] })).toEqual([]);
  });

  it('checks NotResource values too', () => {
    expect(onlyError(doc({ Effect: 'Allow', Action: 's3:*', NotResource: 'bucket' }), 'identity').pointer).toBe(
      '/Statement/0/NotResource',
    );
  });
});

describe('principals', () => {
  const valid: [string, unknown][] = [
    ['AWS', '*'],
    ['AWS', ACCOUNT],
    ['AWS', `arn:aws:iam::${ACCOUNT}:root`],
    ['AWS', `arn:aws:iam::${ACCOUNT}:user/path/alice`],
    ['AWS', `arn:aws:iam::${ACCOUNT}:role/admin`],
    ['AWS', `arn:aws:sts::${ACCOUNT}:assumed-role/admin/session`],
    ['Service', 'ec2.amazonaws.com'],
    ['Service', 'states.us-east-1.amazonaws.com'],
    ['Federated', 'cognito-identity.amazonaws.com'],
    ['Federated', `arn:aws:iam::${ACCOUNT}:saml-provider/Okta`],
    ['Federated', `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC`],
    ['CanonicalUser', '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be'],
  ];
  it.each(valid)('accepts %s %s', (type, value) => {
    expect(errorsOf(doc({ ...trustStatement, Principal: { [type]: value } }), 'trust')).toEqual([]);
  });

  const invalid: [string, string][] = [
    ['AWS', '12345'],
    ['AWS', 'alice'],
    ['AWS', `arn:aws:iam::${ACCOUNT}:user/*`],
    ['AWS', 'arn:aws:iam::*:root'],
    ['AWS', `arn:aws:iam::${ACCOUNT}:*`],
    ['AWS', 'arn:aws:s3:::bucket'],
    ['AWS', 'arn:aws:iam::12345:root'],
    ['AWS', `arn:bogus:iam::${ACCOUNT}:root`],
    ['AWS', `arn:aws:iam:us-east-1:${ACCOUNT}:root`],
    ['AWS', `arn:aws:sts::${ACCOUNT}:role/x`],
    ['Service', 'ec2'],
    ['Service', '*'],
    ['Service', 'ec2 .amazonaws.com'],
    ['Federated', 'x'],
    ['Federated', `arn:aws:iam::${ACCOUNT}:role/x`],
    ['CanonicalUser', 'abc'],
  ];
  it.each(invalid)('rejects %s %s', (type, value) => {
    const d = onlyError(doc({ ...trustStatement, Principal: { [type]: value } }), 'trust');
    expect(d.message).toBe(`Invalid principal in policy: "${type}":${JSON.stringify(value)}`);
    expect(d.pointer).toBe(`/Statement/0/Principal/${type}`);
  });

  it('checks NotPrincipal values in resource policies', () => {
    const text = doc({ ...identityStatement, NotPrincipal: { AWS: 'nobody' } });
    expect(onlyError(text, 'resource').pointer).toBe('/Statement/0/NotPrincipal/AWS');
  });
});

describe('statement ids', () => {
  it('rejects a Sid with non-alphanumeric characters in IAM-stored kinds', () => {
    for (const kind of ['identity', 'boundary', 'session'] as const) {
      const d = onlyError(doc({ ...identityStatement, Sid: 'Allow S3' }), kind);
      expect(d.message).toContain('Statement IDs (SID) must be alpha-numeric');
      expect(d.pointer).toBe('/Statement/0/Sid');
    }
    expect(onlyError(doc({ ...trustStatement, Sid: 'a-b' }), 'trust').pointer).toBe('/Statement/0/Sid');
  });

  it('accepts any Sid text in a resource policy', () => {
    expect(errorsOf(doc({ ...resourceStatement, Sid: 'Allow read' }), 'resource')).toEqual([]);
  });

  it.each([
    ['identity', identityStatement],
    ['resource', resourceStatement],
    ['trust', trustStatement],
  ] as const)('rejects duplicate Sids in a %s policy, at the second one', (kind, statement) => {
    const text = doc({ ...statement, Sid: 'A1' }, { ...statement, Sid: 'B' }, { ...statement, Sid: 'A1' });
    expect(errorsOf(text, kind)).toEqual([
      {
        severity: 'error',
        code: 'MalformedPolicyDocument',
        message: 'Statement IDs (SID) in a single policy must be unique.',
        pointer: '/Statement/2/Sid',
      },
    ]);
  });

  it('compares Sids with regard to case', () => {
    expect(errorsOf(doc({ ...identityStatement, Sid: 'a' }, { ...identityStatement, Sid: 'A' }), 'identity')).toEqual([]);
  });
});

describe('conditions', () => {
  const withCondition = (condition: Doc): string => doc({ ...identityStatement, Condition: condition });

  const valid: [string, Doc][] = [
    ['StringEquals', { StringEquals: { 'aws:username': 'alice' } }],
    ['a set qualifier with IfExists', { 'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': ['a*'] } }],
    ['Bool true', { Bool: { 'aws:SecureTransport': true } }],
    ['Bool "False"', { Bool: { 'aws:SecureTransport': 'False' } }],
    ['Null true', { Null: { 'aws:TokenIssueTime': true } }],
    ['Null "false"', { Null: { 'aws:TokenIssueTime': 'false' } }],
    ['a number', { NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 } }],
    ['a number as a string', { NumericLessThanIfExists: { 'aws:MultiFactorAuthAge': '3600' } }],
    ['an ISO 8601 date', { DateGreaterThan: { 'aws:CurrentTime': '2024-01-01T00:00:00Z' } }],
    ['an epoch date', { DateLessThan: { 'aws:EpochTime': 1700000000 } }],
    ['IPv4 and IPv6 blocks', { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.0.2.1', '2001:db8::/32'] } }],
    ['base64', { BinaryEquals: { 'key:bin': 'QmluYXJ5' } }],
    ['a policy variable in a string value', { StringEquals: { 's3:prefix': '${aws:username}/*' } }],
    ['an ARN pattern', { ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:123456789012:topic' } }],
    ['an OIDC provider key', { StringEquals: { 'oidc.eks.us-east-1.amazonaws.com/id/ABC:sub': 'system:serviceaccount:x:y' } }],
    ['a tag key with a blank', { StringEquals: { 'aws:PrincipalTag/cost center': 'x' } }],
  ];
  it.each(valid)('accepts %s', (_title, condition) => {
    expect(errorsOf(withCondition(condition), 'identity')).toEqual([]);
  });

  const invalid: [string, Doc, string, string][] = [
    // [title, Condition, pointer, message fragment]
    ['an unknown operator', { StringEqualz: { 'aws:username': 'a' } }, '/Statement/0/Condition/StringEqualz', 'StringEqualz'],
    ['an operator in the wrong case', { stringequals: { 'aws:username': 'a' } }, '/Statement/0/Condition/stringequals', 'stringequals'],
    ['Null with IfExists', { NullIfExists: { 'aws:TokenIssueTime': true } }, '/Statement/0/Condition/NullIfExists', 'NullIfExists'],
    ['an unknown set qualifier', { 'ForSomeValues:StringEquals': { 'aws:TagKeys': 'a' } }, '/Statement/0/Condition/ForSomeValues:StringEquals', 'ForSomeValues'],
    ['a key without a name', { StringEquals: { 'aws:': 'a' } }, '/Statement/0/Condition/StringEquals/aws:', 'aws:'],
    ['a key without a prefix', { StringEquals: { SourceIp: 'a' } }, '/Statement/0/Condition/StringEquals/SourceIp', 'prefix:name'],
    ['an empty key', { StringEquals: { '': 'a' } }, '/Statement/0/Condition/StringEquals/', 'prefix:name'],
    ['a key starting with a colon', { StringEquals: { ':x': 'a' } }, '/Statement/0/Condition/StringEquals/:x', 'prefix:name'],
    ['a non-boolean Bool', { Bool: { 'aws:SecureTransport': 'yes' } }, '/Statement/0/Condition/Bool/aws:SecureTransport', '"yes"'],
    ['a number for Bool', { Bool: { 'aws:SecureTransport': 1 } }, '/Statement/0/Condition/Bool/aws:SecureTransport', '"1"'],
    ['a non-boolean Null', { Null: { 'aws:TokenIssueTime': 'maybe' } }, '/Statement/0/Condition/Null/aws:TokenIssueTime', 'true or false'],
    ['a word for a number', { NumericLessThan: { 'aws:MultiFactorAuthAge': 'ten' } }, '/Statement/0/Condition/NumericLessThan/aws:MultiFactorAuthAge', '"ten"'],
    ['a word for a date', { DateGreaterThan: { 'aws:CurrentTime': 'yesterday' } }, '/Statement/0/Condition/DateGreaterThan/aws:CurrentTime', '"yesterday"'],
    ['an impossible date', { DateLessThan: { 'aws:CurrentTime': '2023-02-30' } }, '/Statement/0/Condition/DateLessThan/aws:CurrentTime', '2023-02-30'],
    ['a bad IPv4 address', { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '300.1.1.1'] } }, '/Statement/0/Condition/IpAddress/aws:SourceIp', '300.1.1.1'],
    ['a bad CIDR prefix', { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/33' } }, '/Statement/0/Condition/NotIpAddress/aws:SourceIp', '10.0.0.0/33'],
    ['a bad base64 value', { BinaryEquals: { 'key:bin': '!!' } }, '/Statement/0/Condition/BinaryEquals/key:bin', '"!!"'],
    ['a bad value under a qualified operator', { 'ForAllValues:NumericEqualsIfExists': { 'a:n': ['1', 'x'] } }, '/Statement/0/Condition/ForAllValues:NumericEqualsIfExists/a:n', '"x"'],
  ];
  it.each(invalid)('rejects %s', (_title, condition, pointer, fragment) => {
    const d = onlyError(withCondition(condition), 'identity');
    expect(d.code).toBe('MalformedPolicyDocument');
    expect(d.pointer).toBe(pointer);
    expect(d.message).toContain(fragment);
    const e = checkFails(withCondition(condition), 'identity');
    expect(e.pointer).toBe(pointer);
  });

  it('reports an unknown operator once, however many keys it has', () => {
    const errors = errorsOf(withCondition({ StringEqualz: { 'a:b': 'x', 'c:d': 'y' } }), 'identity');
    expect(errors.map((d) => d.pointer)).toEqual(['/Statement/0/Condition/StringEqualz']);
  });
});

describe('size quotas', () => {
  /** A policy of exactly `size` non-white-space characters, padded with `padding` blanks. */
  function sized(size: number, padding = 0): string {
    const base = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/' });
    const fill = size - parse(base).size;
    const text = base.replace('arn:aws:s3:::b/', 'arn:aws:s3:::b/' + 'x'.repeat(fill)).replace('{', '{' + ' \n'.repeat(padding));
    expect(parse(text).size).toBe(size);
    return text;
  }

  it('accepts an identity policy of exactly 6144 characters plus white-space padding', () => {
    const text = sized(6144, 2000);
    expect(text.length).toBeGreaterThan(10000);
    expect(checkPolicy(text, 'identity').size).toBe(6144);
  });

  it('rejects an identity policy of 6145 characters with LimitExceeded', () => {
    const text = sized(6145);
    let thrown: unknown;
    try {
      checkPolicy(text, 'identity');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PolicySizeExceededError);
    const e = thrown as PolicySizeExceededError;
    expect(e.code).toBe('LimitExceeded');
    expect(e.httpStatus).toBe(409);
    expect(e.size).toBe(6145);
    expect(e.limit).toBe(6144);
    expect(validate(parse(text), 'identity')).toEqual([
      { severity: 'error', code: 'LimitExceeded', message: 'Cannot exceed quota for PolicySize: 6144', pointer: '' },
    ]);
  });

  it.each(Object.entries(DEFAULT_MAX_SIZE))('the %s quota is %i', (kind, limit) => {
    const k = kind as PolicyKind;
    const over = k === 'trust' || k === 'resource' ? sizedFor(k, limit + 1) : sized(limit + 1);
    const at = k === 'trust' || k === 'resource' ? sizedFor(k, limit) : sized(limit);
    expect(errorsOf(at, k)).toEqual([]);
    expect(errorsOf(over, k).map((d) => d.code)).toEqual(['LimitExceeded']);
  });

  /** A trust or resource policy of exactly `size` characters, padded in a condition value. */
  function sizedFor(kind: 'trust' | 'resource', size: number): string {
    const statement = kind === 'trust' ? trustStatement : resourceStatement;
    const base = doc({ ...statement, Condition: { StringEquals: { 'a:b': '' } } });
    const text = base.replace('"a:b":""', `"a:b":"${'x'.repeat(size - parse(base).size)}"`);
    expect(parse(text).size).toBe(size);
    return text;
  }

  it('takes maxSize from the options, and Infinity disables the check', () => {
    const text = sized(7000);
    expect(errorsOf(text, 'identity').map((d) => d.code)).toEqual(['LimitExceeded']);
    expect(errorsOf(text, 'identity', { maxSize: Infinity })).toEqual([]);
    expect(errorsOf(text, 'identity', { maxSize: 7000 })).toEqual([]);
    expect(errorsOf(text, 'identity', { maxSize: 6999 }).map((d) => d.code)).toEqual(['LimitExceeded']);
    expect(checkPolicy(text, 'identity', { maxSize: Infinity }).size).toBe(7000);
  });
});

describe('warnings', () => {
  it('warns, without an error, that a policy with no Version substitutes no variables', () => {
    const text = JSON.stringify({ Statement: identityStatement });
    const diagnostics = validate(parse(text), 'identity');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'warning', pointer: '' });
    expect(diagnostics[0]?.message).toContain('will not be substituted');
    expect(checkPolicy(text, 'identity').version).toBeUndefined();
  });

  it('warns about ${…} under Version 2008-10-17', () => {
    const text = JSON.stringify({
      Version: '2008-10-17',
      Statement: { ...identityStatement, Resource: 'arn:aws:s3:::b/${aws:username}/*' },
    });
    const diagnostics = validate(parse(text), 'identity');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'warning', pointer: '/Version' });
  });

  it('says nothing of Version 2008-10-17 without variables', () => {
    expect(validate(parse(JSON.stringify({ Version: '2008-10-17', Statement: identityStatement })), 'identity')).toEqual([]);
  });
});

describe('validate and checkPolicy', () => {
  it('returns every problem, in document order', () => {
    const text = doc(
      { Sid: 'A', Effect: 'Allow', Principal: '*', Action: 'bad', Resource: 'bad' },
      { Sid: 'A', Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { Nope: { 'a:b': 'c' } } },
    );
    expect(errorsOf(text, 'identity').map((d) => d.pointer)).toEqual([
      '/Statement/0/Principal',
      '/Statement/0/Action',
      '/Statement/0/Resource',
      '/Statement/1/Sid',
      '/Statement/1/Condition/Nope',
    ]);
    expect(checkFails(text, 'identity').pointer).toBe('/Statement/0/Principal');
  });

  it('never throws, even for a hand-built policy that breaks the types', () => {
    const bogus = { version: '2012-10-17', id: undefined, statementIsArray: true, statements: [null], size: 10 } as unknown as Policy;
    const diagnostics = validate(bogus, 'identity');
    expect(diagnostics.some((d) => d.severity === 'error')).toBe(true);
  });

  it('passes parse errors through checkPolicy', () => {
    expect(checkFails('{"Statement":{"Effect":"Allow",}}', 'identity').message).toContain('Syntax errors in policy.');
    expect(checkFails('{"Version":"2012-10-18","Statement":{}}', 'identity').pointer).toBe('/Version');
  });

  it('returns the parsed policy when it is valid', () => {
    const policy = checkPolicy(doc(identityStatement), 'identity');
    expect(policy.statements[0]?.action).toEqual({ not: false, values: ['s3:GetObject'] });
  });
});
