import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVICES } from '../../src/protocol/model.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'derive-model-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('scripts/derive-model.mjs', () => {
  it('reproduces the committed models byte for byte', () => {
    execFileSync(process.execPath, [join(root, 'scripts/derive-model.mjs'), out], { stdio: 'pipe' });
    for (const name of ['iam', 'sts']) {
      expect(readFileSync(join(out, `${name}.json`), 'utf8'), name).toBe(readFileSync(join(root, `src/protocol/model/${name}.json`), 'utf8'));
    }
  });

  it('keeps every operation and drops the documentation', () => {
    const iamText = readFileSync(join(root, 'src/protocol/model/iam.json'), 'utf8');
    expect(iamText).not.toMatch(/"documentation"|"documentationUrl"|"examples"|"deprecatedMessage"/);
    expect(SERVICES.iam.operations.size).toBe(176);
    expect(SERVICES.sts.operations.size).toBe(11);
    expect(SERVICES.iam.metadata).toEqual({
      apiVersion: '2010-05-08',
      endpointPrefix: 'iam',
      signingName: 'iam',
      protocol: 'query',
      serviceId: 'IAM',
      xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
    });
  });

  it('keeps the error traits of error shapes', () => {
    const noSuchEntity = SERVICES.iam.operations.get('GetUser')?.errors.find((e) => e.name === 'NoSuchEntityException');
    expect(noSuchEntity?.error).toEqual({ code: 'NoSuchEntity', httpStatusCode: 404, senderFault: true });
    const exists = SERVICES.iam.shapes.get('EntityAlreadyExistsException');
    expect(exists?.type === 'structure' && exists.error).toEqual({ code: 'EntityAlreadyExists', httpStatusCode: 409, senderFault: true });
  });
});
