/**
 * A walk over every operation of the models: each is called, signed as the administrator, with a
 * random valid input (fixed seed), and must answer either a result or an AWS error the model lists
 * for it or that AWS lists as common to every action — never a 500, never a code of its own. An
 * operation without a handler answers NotImplemented, and only such an operation does.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES, serviceModel, type Operation } from '../../src/protocol/model.js';
import { HANDLERS } from '../../src/server/operations.js';
import { arbitrary, toQuery } from '../helpers/model-inputs.js';
import { BACKENDS, startTestServer, xmlText, type TestServer } from '../helpers/server.js';

/** AWS's errors common to all actions (IAM and STS API References, "Common Errors"). */
const COMMON = new Set([
  'AccessDenied', 'IncompleteSignature', 'InternalFailure', 'InvalidAction', 'InvalidClientTokenId', 'InvalidParameterCombination',
  'InvalidParameterValue', 'InvalidQueryParameter', 'MalformedQueryString', 'MissingAction', 'MissingAuthenticationToken',
  'MissingParameter', 'NotAuthorized', 'OptInRequired', 'RequestExpired', 'ServiceUnavailable', 'ThrottlingException', 'ValidationError',
]);

function inputFor(operation: Operation, seed: number): URLSearchParams {
  const params = new URLSearchParams({ Action: operation.name, Version: operation.service.metadata.apiVersion });
  if (operation.input) {
    const [value] = fc.sample(arbitrary(operation.input), { seed, numRuns: 1 });
    toQuery(operation.input, value, '', params);
  }
  return params;
}

describe.each(BACKENDS)('every operation on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function call(operation: Operation, params: URLSearchParams): Promise<{ status: number; code: string | undefined }> {
    const url = new URL(t.url);
    const body = params.toString();
    const headers: Record<string, string> = { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    const scope = operation.service.metadata.signingName ?? operation.service.name;
    const signed =
      operation.authtype === 'none'
        ? { headers }
        : await new SignatureV4({ credentials: t.admin, region: 'us-east-1', service: scope === 'deployport' ? 'iam' : scope, sha256: Sha256 }).sign(
            new HttpRequest({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: '/', headers, body }),
          );
    const response = await fetch(t.url, { method: 'POST', headers: signed.headers, body });
    const text = await response.text();
    return { status: response.status, code: response.status === 200 ? undefined : xmlText(text, 'Code') };
  }

  for (const name of SERVICE_NAMES) {
    const service = serviceModel(name);
    it(`${name}: every operation answers a result or one of its AWS errors`, async () => {
      const unexpected: string[] = [];
      let seed = 7;
      for (const operation of service.operations.values()) {
        const implemented = HANDLERS[name].has(operation.name);
        const { status, code } = await call(operation, inputFor(operation, seed++));
        const listed = new Set(operation.errors.map((e) => e.error?.code ?? e.name));
        const fine = status === 200 || (code !== undefined && (implemented ? listed.has(code) || COMMON.has(code) : code === 'NotImplemented'));
        if (!fine || status >= 500 && code !== 'NotImplemented') unexpected.push(`${operation.name}: ${status} ${code ?? ''}`);
      }
      expect(unexpected).toEqual([]);
    });
  }
});
