import { describe, expect, it } from 'vitest';
import { encodeError, encodeResponse, escapeXml, formatTimestamp } from '../../src/protocol/encode.js';
import { loadModel, serviceModel, type ModelJson } from '../../src/protocol/model.js';
import { defineError, ServiceError } from '../../src/shared/service-error.js';
import { at, childNames, parseXml, type XmlElement } from './xml.js';

const iam = serviceModel('iam');
const sts = serviceModel('sts');
const NoSuchEntity = defineError('NoSuchEntity', 404);
const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';

function user(i: number): Record<string, unknown> {
  return {
    Path: '/',
    UserName: `user-${i}`,
    UserId: `AIDA${String(i).padStart(17, '0')}`,
    Arn: `arn:aws:iam::123456789012:user/user-${i}`,
    CreateDate: new Date(Date.UTC(2026, 10, 30, 6, 30, 0)),
    Tags: [{ Key: 'team', Value: 'core' }],
  };
}

describe('encodeResponse', () => {
  it('writes CreateUser in the Response/Result/ResponseMetadata envelope, members in shape order', () => {
    const xml = encodeResponse(iam, 'CreateUser', { User: { ...user(1), Secret: 'never', Tags: [{ Key: 'a&b', Value: '<"x\'>' }] } }, 'req-1');
    const doc = parseXml(xml);
    expect(doc.name).toBe('CreateUserResponse');
    expect(doc.attributes).toEqual({ xmlns: IAM_NS });
    expect(childNames(doc)).toEqual(['CreateUserResult', 'ResponseMetadata']);
    const u = at(doc, 'CreateUserResult', 'User');
    // Shape order, not object order; unknown fields (Secret) are not written.
    expect(childNames(u)).toEqual(['Path', 'UserName', 'UserId', 'Arn', 'CreateDate', 'Tags']);
    expect(at(u, 'CreateDate').text).toBe('2026-11-30T06:30:00Z');
    expect(at(u, 'Tags', 'member', 'Key').text).toBe('a&b');
    expect(at(u, 'Tags', 'member', 'Value').text).toBe('<"x\'>');
    expect(at(doc, 'ResponseMetadata', 'RequestId').text).toBe('req-1');
    expect(xml).not.toContain('never');
  });

  it('writes ListUsers: a list of members, IsTruncated and Marker; skips undefined and null', () => {
    const doc = parseXml(encodeResponse(iam, 'ListUsers', { Users: [user(1), user(2)], IsTruncated: true, Marker: 'm+1/=', PasswordLastUsed: undefined }, 'r'));
    const result = at(doc, 'ListUsersResult');
    expect(childNames(result)).toEqual(['Users', 'IsTruncated', 'Marker']);
    expect(at(result, 'Users').children.map((m) => [m.name, at(m, 'UserName').text])).toEqual([
      ['member', 'user-1'],
      ['member', 'user-2'],
    ]);
    expect(at(result, 'IsTruncated').text).toBe('true');
    expect(at(result, 'Marker').text).toBe('m+1/=');
    const empty = parseXml(encodeResponse(iam, 'ListUsers', { Users: [], IsTruncated: false, Marker: null }, 'r'));
    expect(childNames(at(empty, 'ListUsersResult'))).toEqual(['Users', 'IsTruncated']);
    expect(at(empty, 'ListUsersResult', 'Users').children).toEqual([]);
  });

  it('writes GetAccountAuthorizationDetails: lists in structures in lists, booleans, integers, URL-encoded documents', () => {
    const output = {
      UserDetailList: [
        {
          ...user(1),
          UserPolicyList: [{ PolicyName: 'inline', PolicyDocument: '%7B%22Version%22%3A%222012-10-17%22%7D' }],
          GroupList: ['admins', 'devs'],
          AttachedManagedPolicies: [{ PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
          PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: 'arn:aws:iam::aws:policy/PowerUserAccess' },
        },
      ],
      Policies: [
        {
          PolicyName: 'p',
          DefaultVersionId: 'v2',
          AttachmentCount: 3,
          IsAttachable: false,
          CreateDate: '2026-01-02T03:04:05.678Z',
          UpdateDate: Date.UTC(2026, 0, 3),
          PolicyVersionList: [{ Document: '%7B%7D', VersionId: 'v2', IsDefaultVersion: true, CreateDate: new Date(0) }],
        },
      ],
      IsTruncated: false,
    };
    const result = at(parseXml(encodeResponse(iam, 'GetAccountAuthorizationDetails', output, 'r')), 'GetAccountAuthorizationDetailsResult');
    expect(childNames(result)).toEqual(['UserDetailList', 'Policies', 'IsTruncated']);
    const detail = at(result, 'UserDetailList', 'member');
    expect(childNames(detail)).toEqual([
      'Path', 'UserName', 'UserId', 'Arn', 'CreateDate', 'UserPolicyList', 'GroupList', 'AttachedManagedPolicies', 'PermissionsBoundary', 'Tags',
    ]);
    expect(at(detail, 'GroupList').children.map((m: XmlElement) => m.text)).toEqual(['admins', 'devs']);
    expect(at(detail, 'UserPolicyList', 'member', 'PolicyDocument').text).toBe('%7B%22Version%22%3A%222012-10-17%22%7D');
    expect(at(detail, 'PermissionsBoundary', 'PermissionsBoundaryType').text).toBe('PermissionsBoundaryPolicy');
    const policy = at(result, 'Policies', 'member');
    expect(at(policy, 'AttachmentCount').text).toBe('3');
    expect(at(policy, 'IsAttachable').text).toBe('false');
    expect(at(policy, 'CreateDate').text).toBe('2026-01-02T03:04:05.678Z');
    expect(at(policy, 'UpdateDate').text).toBe('2026-01-03T00:00:00Z');
    expect(at(policy, 'PolicyVersionList', 'member', 'CreateDate').text).toBe('1970-01-01T00:00:00Z');
  });

  it('writes maps as entry/key/value and blobs as base64', () => {
    const summary = at(parseXml(encodeResponse(iam, 'GetAccountSummary', { SummaryMap: { Users: 3, Groups: 0 } }, 'r')), 'GetAccountSummaryResult', 'SummaryMap');
    expect(summary.children.map((e) => [e.name, at(e, 'key').text, at(e, 'value').text])).toEqual([
      ['entry', 'Users', '3'],
      ['entry', 'Groups', '0'],
    ]);
    const report = at(parseXml(encodeResponse(iam, 'GetCredentialReport', { Content: Buffer.from('user,arn\n'), ReportFormat: 'text/csv' }, 'r')), 'GetCredentialReportResult');
    expect(Buffer.from(at(report, 'Content').text, 'base64').toString()).toBe('user,arn\n');
    const fromString = at(parseXml(encodeResponse(iam, 'GetCredentialReport', { Content: 'é' }, 'r')), 'GetCredentialReportResult', 'Content');
    expect(Buffer.from(fromString.text, 'base64').toString()).toBe('é');
  });

  it('writes no Result element for an operation without output, and an empty one for missing output', () => {
    const doc = parseXml(encodeResponse(iam, 'DeleteUser', undefined, 'r'));
    expect(childNames(doc)).toEqual(['ResponseMetadata']);
    expect(childNames(parseXml(encodeResponse(iam, 'ListUsers', undefined, 'r')))).toEqual(['ListUsersResult', 'ResponseMetadata']);
  });

  it('writes STS results with the STS namespace', () => {
    const doc = parseXml(
      encodeResponse(sts, 'GetCallerIdentity', { UserId: 'AIDAX', Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/bob' }, 'r'),
    );
    expect(doc.attributes.xmlns).toBe('https://sts.amazonaws.com/doc/2011-06-15/');
    expect(childNames(at(doc, 'GetCallerIdentityResult'))).toEqual(['UserId', 'Account', 'Arn']);
  });

  it('refuses a value of the wrong type with a ServiceFailure whose detail names the element', () => {
    for (const output of [{ Users: 'bob' }, { Users: [{ ...user(1), CreateDate: 'not a date' }] }, { Users: [], IsTruncated: 'yes' }, { Users: [{ UserName: {} }] }]) {
      let caught: unknown;
      try {
        encodeResponse(iam, 'ListUsers', output, 'r');
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ServiceError);
      expect((caught as ServiceError).code).toBe('ServiceFailure');
      expect((caught as ServiceError).status).toBe(500);
      expect(String((caught as ServiceError).detail)).toMatch(/element (Users|CreateDate|IsTruncated|UserName)/);
    }
  });

  it('serializes ListUsers of 100 users in well under a millisecond', () => {
    const output = { Users: Array.from({ length: 100 }, (_, i) => user(i)), IsTruncated: false };
    for (let i = 0; i < 200; i++) encodeResponse(iam, 'ListUsers', output, 'r'); // warm up
    const runs = 1000;
    const start = performance.now();
    for (let i = 0; i < runs; i++) encodeResponse(iam, 'ListUsers', output, 'r');
    const perCall = (performance.now() - start) / runs;
    expect(perCall).toBeLessThan(0.5);
  });
});

describe('flattened and renamed members (models of our own)', () => {
  const json: ModelJson = {
    metadata: { apiVersion: '2026-01-01', endpointPrefix: 'x', signingName: 'x', protocol: 'query', serviceId: 'X', xmlNamespace: 'urn:x' },
    operations: { Describe: { name: 'Describe', output: 'DescribeResponse' } },
    shapes: {
      DescribeResponse: { type: 'structure', members: { Item: { shape: 'item', locationName: 'Thing' }, Names: { shape: 'names' }, Counts: { shape: 'counts', flattened: true } } },
      item: { type: 'structure', members: { Id: { shape: 'str', xmlAttribute: true, locationName: 'id' }, Label: { shape: 'str' } } },
      names: { type: 'list', member: { shape: 'str', locationName: 'Name' }, flattened: true },
      counts: { type: 'map', key: { shape: 'str', locationName: 'K' }, value: { shape: 'num', locationName: 'V' } },
      str: { type: 'string' },
      num: { type: 'double' },
    },
  };
  const own = loadModel('x', json);

  it('renames elements, writes attributes, repeats flattened lists and maps in place; the Result is named after the operation', () => {
    const doc = parseXml(encodeResponse(own, 'Describe', { Item: { Id: 'i"1', Label: 'l' }, Names: ['a', 'b'], Counts: { c: 1.5 } }, 'r'));
    const result = at(doc, 'DescribeResult');
    expect(childNames(result)).toEqual(['Thing', 'Name', 'Name', 'Counts']);
    expect(at(result, 'Thing').attributes).toEqual({ id: 'i"1' });
    expect(childNames(at(result, 'Thing'))).toEqual(['Label']);
    expect([at(result, 'Counts', 'K').text, at(result, 'Counts', 'V').text]).toEqual(['c', '1.5']);
  });
});

describe('encodeError', () => {
  it("writes AWS's Query error document", () => {
    const doc = parseXml(encodeError(new NoSuchEntity('The user with name <bob> cannot be found.'), 'req-9', IAM_NS));
    expect(doc.name).toBe('ErrorResponse');
    expect(doc.attributes).toEqual({ xmlns: IAM_NS });
    expect(childNames(doc)).toEqual(['Error', 'RequestId']);
    expect(childNames(at(doc, 'Error'))).toEqual(['Type', 'Code', 'Message']);
    expect([at(doc, 'Error', 'Type').text, at(doc, 'Error', 'Code').text, at(doc, 'Error', 'Message').text]).toEqual([
      'Sender',
      'NoSuchEntity',
      'The user with name <bob> cannot be found.',
    ]);
    expect(at(doc, 'RequestId').text).toBe('req-9');
  });

  it('says Receiver for a server fault and omits the namespace when none is given', () => {
    const doc = parseXml(encodeError(new ServiceError('ServiceFailure', 'x', 500), 'r'));
    expect(doc.attributes).toEqual({});
    expect(at(doc, 'Error', 'Type').text).toBe('Receiver');
  });

  it('never writes the detail', () => {
    expect(encodeError(new ServiceError('ServiceFailure', 'An internal error occurred.', 500, { detail: 'SQLITE_FULL /var/db' }), 'r')).not.toContain('SQLITE');
  });
});

describe('escaping', () => {
  it('escapes markup, keeps CR, keeps surrogate pairs and replaces characters XML 1.0 forbids', () => {
    expect(escapeXml('plain')).toBe('plain');
    expect(escapeXml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&apos;');
    expect(escapeXml('a\r\nb\tc')).toBe('a&#13;\nb\tc');
    expect(escapeXml('😀')).toBe('😀');
    expect(escapeXml('a\u0000b\u001Fc\uFFFEd\uD800e\uDC00')).toBe('a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFD');
    const doc = parseXml(`<a>${escapeXml('x\u0001\r\n]]><!--')}</a>`);
    expect(doc.text).toBe('x\uFFFD\r\n]]><!--');
  });

  it('formats timestamps as AWS does', () => {
    expect(formatTimestamp(new Date('2026-11-30T06:30:00.000Z'))).toBe('2026-11-30T06:30:00Z');
    expect(formatTimestamp('2026-11-30T07:30:00.250+01:00')).toBe('2026-11-30T06:30:00.250Z');
    expect(formatTimestamp(Number.NaN)).toBeUndefined();
  });
});
