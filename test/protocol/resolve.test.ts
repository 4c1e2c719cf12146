import { describe, expect, it } from 'vitest';
import { decodeRequest, resolveOperation } from '../../src/protocol/resolve.js';
import { SERVICE_NAMES, serviceByApiVersion, serviceForSignedRequest, serviceModel } from '../../src/protocol/model.js';
import { parseQueryParams } from '../../src/protocol/query.js';

const iam = serviceModel('iam');
const sts = serviceModel('sts');

describe('resolveOperation', () => {
  it('finds the operation named by Action at the model version', () => {
    expect(resolveOperation(iam, parseQueryParams('Action=ListUsers&Version=2010-05-08')).name).toBe('ListUsers');
    const op = resolveOperation(sts, parseQueryParams('Action=AssumeRoleWithWebIdentity&Version=2011-06-15'));
    expect([op.name, op.authtype, op.resultWrapper]).toEqual(['AssumeRoleWithWebIdentity', 'none', 'AssumeRoleWithWebIdentityResult']);
    expect(resolveOperation(sts, parseQueryParams('Action=AssumeRole&Version=2011-06-15')).authtype).toBe('v4');
  });

  it('answers a missing Action with MissingAction', () => {
    for (const text of ['Version=2010-05-08', 'Action=&Version=2010-05-08']) {
      expect(() => resolveOperation(iam, parseQueryParams(text))).toThrowError(expect.objectContaining({ code: 'MissingAction', status: 400 }));
    }
  });

  it('answers an unknown Action, a wrong or a missing Version with InvalidAction in AWS words', () => {
    const cases = [
      ['Action=CreateBucket&Version=2010-05-08', 'Could not find operation CreateBucket for version 2010-05-08'],
      ['Action=createuser&Version=2010-05-08', 'Could not find operation createuser for version 2010-05-08'],
      ['Action=ListUsers&Version=2011-06-15', 'Could not find operation ListUsers for version 2011-06-15'],
      ['Action=ListUsers', 'Could not find operation ListUsers for version NO_VERSION_SPECIFIED'],
    ] as const;
    for (const [text, message] of cases) {
      expect(() => resolveOperation(iam, parseQueryParams(text))).toThrowError(expect.objectContaining({ code: 'InvalidAction', status: 400, message }));
    }
  });

  it('decodeRequest resolves and decodes in one step', () => {
    const { operation, input } = decodeRequest(iam, parseQueryParams('Action=GetUser&Version=2010-05-08&UserName=bob'));
    expect([operation.name, input]).toEqual(['GetUser', { UserName: 'bob' }]);
  });

  it('serviceByApiVersion routes a request by its Version', () => {
    expect(SERVICE_NAMES).toEqual(['iam', 'sts', 'deployport']);
    expect(serviceByApiVersion('2010-05-08')).toBe(iam);
    expect(serviceByApiVersion('2011-06-15')).toBe(sts);
    expect(serviceByApiVersion('2012-10-17')).toBeUndefined();
  });

  it('serviceForSignedRequest routes operations of our own, signed for iam, by their Version', () => {
    expect(serviceForSignedRequest('iam', '2026-11-30')?.name).toBe('deployport');
    expect(serviceForSignedRequest('iam', '2010-05-08')).toBe(iam);
    // Any other Version reaches the signing service, whose resolveOperation names the mismatch.
    expect(serviceForSignedRequest('iam', undefined)).toBe(iam);
    expect(serviceForSignedRequest('sts', '2026-11-30')).toBe(sts);
  });
});
