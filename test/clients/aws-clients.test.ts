/**
 * The server as AWS's own clients see it: a boto3 script (boto3_essentials.py) and the AWS CLI,
 * run as separate processes against a test server on loopback. Both clients must be installed
 * (.ci/run installs them): a missing client fails the test, it is never skipped. The clients get a
 * temporary HOME, empty config and credentials files and no AWS_* variable of the environment, so
 * nothing of the developer's own AWS setup is read and all traffic goes to the test server.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const here = dirname(fileURLToPath(import.meta.url));
let t: TestServer;
let home: string;

/** The environment of a client process: PATH and the like, no AWS_* variable but the ones given. */
function clientEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('AWS_') && !name.startsWith('BOTO')) env[name] = value;
  }
  return {
    ...env,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: t.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: t.admin.secretAccessKey,
    ...extra,
  };
}

/** python3 on PATH if it can import boto3, else Debian's /usr/bin/python3 (where .ci/run installs python3-boto3). */
function python(): string {
  const probe = spawnSync('python3', ['-c', 'import boto3'], { env: clientEnv(), stdio: 'ignore' });
  return probe.status === 0 ? 'python3' : '/usr/bin/python3';
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a client process without blocking the event loop (the server answers from this process). */
function run(file: string, args: readonly string[], env = clientEnv()): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, cwd: home, timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`cannot run ${file}: ${error.message}\n${stderr}`));
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** An `aws` CLI command against the test server. */
function aws(...args: string[]): Promise<Run> {
  return run('aws', ['--endpoint-url', t.url, '--output', 'json', ...args]);
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'deployport-clients-'));
  writeFileSync(join(home, 'config'), '');
  writeFileSync(join(home, 'credentials'), '');
  t = await startTestServer('sqlite');
  expect(new URL(t.url).hostname).toBe('127.0.0.1');
});

afterAll(async () => {
  await t?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('boto3', () => {
  it('runs the essentials: users, groups, roles, policies, keys, MFA, STS, paginators, waiters, error codes', async () => {
    const result = await run(python(), [join(here, 'boto3_essentials.py'), t.url, t.accountId]);
    expect(result.stderr).not.toMatch(/Traceback/);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { checks: number; failures: unknown[]; values: { users_left?: string[] } };
    expect(report.failures).toEqual([]);
    expect(report.checks).toBeGreaterThanOrEqual(68);
    expect(report.values.users_left).toEqual(['admin', 'pager-1', 'pager-2', 'pager-3', 'pager-4', 'pager-5', 'pager-6']);
  }, 180_000);
});

describe('AWS CLI', () => {
  it('creates a user and lists users page by page (Marker/IsTruncated behind --page-size and --max-items)', async () => {
    for (const name of ['cli-a', 'cli-b', 'cli-c']) {
      const created = await aws('iam', 'create-user', '--user-name', name, '--path', '/cli/');
      expect(created.code).toBe(0);
      expect(JSON.parse(created.stdout).User.Arn).toBe(`arn:aws:iam::${t.accountId}:user/cli/${name}`);
    }
    const first = await aws('iam', 'list-users', '--path-prefix', '/cli/', '--page-size', '1', '--max-items', '2');
    expect(first.code).toBe(0);
    const page = JSON.parse(first.stdout) as { Users: { UserName: string }[]; NextToken?: string };
    expect(page.Users.map((u) => u.UserName)).toEqual(['cli-a', 'cli-b']);
    expect(typeof page.NextToken).toBe('string');
    const rest = await aws('iam', 'list-users', '--path-prefix', '/cli/', '--page-size', '1', '--starting-token', page.NextToken ?? '');
    expect(rest.code).toBe(0);
    const last = JSON.parse(rest.stdout) as { Users: { UserName: string }[]; NextToken?: string };
    expect(last.Users.map((u) => u.UserName)).toEqual(['cli-c']);
    expect(last.NextToken).toBeUndefined();
  }, 120_000);

  it('round-trips a role policy document (URL-encoded in the XML, decoded by the CLI)', async () => {
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: 'sts:AssumeRole' }] };
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*', Condition: { StringLike: { 's3:prefix': ['a b/&<>"\'%+ü'] } } }] };
    writeFileSync(join(home, 'trust.json'), JSON.stringify(trust));
    writeFileSync(join(home, 'policy.json'), JSON.stringify(policy));
    expect((await aws('iam', 'create-role', '--role-name', 'cli-role', '--assume-role-policy-document', 'file://trust.json')).code).toBe(0);
    const role = await aws('iam', 'get-role', '--role-name', 'cli-role');
    expect(JSON.parse(role.stdout).Role.AssumeRolePolicyDocument).toEqual(trust);
    expect((await aws('iam', 'put-role-policy', '--role-name', 'cli-role', '--policy-name', 'p', '--policy-document', 'file://policy.json')).code).toBe(0);
    const got = await aws('iam', 'get-role-policy', '--role-name', 'cli-role', '--policy-name', 'p');
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual({ RoleName: 'cli-role', PolicyName: 'p', PolicyDocument: policy });
  }, 120_000);

  it('prints AWS error codes and messages and exits as for AWS', async () => {
    const missing = await aws('iam', 'get-user', '--user-name', 'ghost');
    // 255 from AWS CLI v1, 254 from v2, for an error the service returned.
    expect([254, 255]).toContain(missing.code);
    expect(missing.stderr.trim()).toBe('An error occurred (NoSuchEntity) when calling the GetUser operation: The user with name ghost cannot be found.');
    expect(missing.stdout).toBe('');
    const conflict = await aws('iam', 'create-user', '--user-name', 'cli-a');
    expect(conflict.stderr.trim()).toMatch(/^An error occurred \(EntityAlreadyExists\) when calling the CreateUser operation: /);
    const debug = await aws('--debug', 'iam', 'get-user', '--user-name', 'ghost');
    // --debug logs the raw response and the parse; a response the parser rejects shows as one of these.
    expect(debug.stderr).toMatch(/<Code>NoSuchEntity<\/Code>/);
    expect(debug.stderr).not.toMatch(/Unable to parse|XMLParseError|ResponseParserError/);
  }, 120_000);

  it('writes the QR code of a new virtual MFA device with --bootstrap-method QRCodePNG', async () => {
    const created = await aws('iam', 'create-virtual-mfa-device', '--virtual-mfa-device-name', 'cli-phone', '--outfile', 'qr.png', '--bootstrap-method', 'QRCodePNG');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toEqual({ VirtualMFADevice: { SerialNumber: `arn:aws:iam::${t.accountId}:mfa/cli-phone` } });
    expect(readFileSync(join(home, 'qr.png')).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  }, 120_000);

  it('gets the caller identity and uses assumed-role credentials with their session token', async () => {
    const assumed = await aws('sts', 'assume-role', '--role-arn', `arn:aws:iam::${t.accountId}:role/cli-role`, '--role-session-name', 'cli');
    expect(assumed.code).toBe(0);
    const c = JSON.parse(assumed.stdout).Credentials as { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
    const env = clientEnv({ AWS_ACCESS_KEY_ID: c.AccessKeyId, AWS_SECRET_ACCESS_KEY: c.SecretAccessKey, AWS_SESSION_TOKEN: c.SessionToken });
    const me = await run('aws', ['--endpoint-url', t.url, '--output', 'json', 'sts', 'get-caller-identity'], env);
    expect(me.code).toBe(0);
    expect(JSON.parse(me.stdout).Arn).toBe(`arn:aws:sts::${t.accountId}:assumed-role/cli-role/cli`);
  }, 120_000);
});
