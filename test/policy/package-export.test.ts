/**
 * Tools outside the project import the engine as `deployport/policy`: the package's `exports`
 * map must lead to the built module with its named exports.
 */
import { describe, expect, it } from 'vitest';

describe('the deployport/policy export', () => {
  it('offers parse, validate, compile and evaluate from the built module', async () => {
    const policy = await import('deployport/policy');
    expect(typeof policy.parse).toBe('function');
    expect(typeof policy.validate).toBe('function');
    expect(typeof policy.compile).toBe('function');
    expect(typeof policy.evaluate).toBe('function');
  });

  it('decides a request through the exported functions', async () => {
    const { compile, evaluate } = await import('deployport/policy');
    const compiled = compile({
      identity: [{ name: 'read', document: '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}' }],
    });
    const request = { principal: 'arn:aws:iam::123456789012:user/alice', action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' };
    expect(evaluate(request, compiled).decision).toBe('Allow');
    expect(evaluate({ ...request, action: 's3:PutObject' }, compiled).decision).toBe('ImplicitDeny');
  });
});
