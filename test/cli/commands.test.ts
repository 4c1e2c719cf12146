/**
 * Each command family through the built binary against a real server, in each output format, and
 * every way a command can fail: bad arguments (exit 2), service errors and an unreachable server
 * (exit 1), each as one line without a stack trace.
 */
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import type { TestServer } from '../helpers/server.js';
import { deployport, startCliFixture, homeFile, readHomeFile, shell, type CliHome, type Run } from './cli.js';

const READ_USERS = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:GetUser', 'iam:ListUsers'], Resource: '*' }] });

function json<T = Record<string, unknown>>(run: Run): T {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** A failure is exactly one line on stderr, with no stack trace. */
function oneLine(run: Run, code: number): string {
  expect(run.code).toBe(code);
  const lines = run.stderr.trim().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  return lines[0] ?? '';
}

describe('deployport commands', () => {
  let t: TestServer;
  let home: CliHome;
  const cli = (...args: string[]) => deployport(home, args);

  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ t, home, close } = await startCliFixture());
  }, 180_000);

  afterAll(async () => {
    await close?.();
  });

  it('users: create, get, list, tags, inline and attached policies, boundary, login profile, delete', async () => {
    expect(json<{ User: { UserName: string } }>(await cli('iam', 'users', 'create', 'ana', '--tag', 'team=platform')).User.UserName).toBe('ana');
    const table = await cli('iam', 'users', 'get', 'ana', '--output', 'table');
    expect(table.stdout).toMatch(/^UserName\s+ana$/m);
    expect((await cli('iam', 'users', 'list', '--query', 'Users[].UserName', '--output', 'text')).stdout.trim().split('\t')).toContain('ana');
    expect(json(await cli('iam', 'users', 'list-tags', 'ana'))).toMatchObject({ Tags: [{ Key: 'team', Value: 'platform' }] });
    expect((await cli('iam', 'users', 'untag', 'ana', '--tag-key', 'team')).code).toBe(0);

    const file = homeFile(home, 'read-users.json', READ_USERS);
    expect((await cli('iam', 'users', 'put-policy', 'ana', '--policy-name', 'read', '--document', file)).code).toBe(0);
    // IAM sends documents URL-encoded; the CLI shows them as JSON.
    expect(json(await cli('iam', 'users', 'get-policy', 'ana', '--policy-name', 'read'))).toMatchObject({ PolicyDocument: JSON.parse(READ_USERS) as object });
    expect((await cli('iam', 'users', 'list-policies', 'ana', '--output', 'text')).stdout.trim()).toBe('read');
    expect((await cli('iam', 'users', 'delete-policy', 'ana', '--policy-name', 'read')).code).toBe(0);

    expect((await cli('iam', 'users', 'attach', 'ana', '--policy-arn', 'arn:aws:iam::aws:policy/IAMReadOnlyAccess')).code).toBe(0);
    expect((await cli('iam', 'users', 'list-attached', 'ana', '--output', 'table')).stdout).toContain('IAMReadOnlyAccess');
    expect((await cli('iam', 'users', 'set-boundary', 'ana', '--policy-arn', 'arn:aws:iam::aws:policy/ReadOnlyAccess')).code).toBe(0);
    expect(json(await cli('iam', 'users', 'get', 'ana', '--query', 'User.PermissionsBoundary.PermissionsBoundaryArn'))).toBe('arn:aws:iam::aws:policy/ReadOnlyAccess');
    expect((await cli('iam', 'users', 'delete-boundary', 'ana')).code).toBe(0);

    expect((await cli('iam', 'users', 'create-login-profile', 'ana', '--password', 'Correct-Horse-9-Battery', '--password-reset-required')).code).toBe(0);
    expect(json(await cli('iam', 'users', 'get-login-profile', 'ana'))).toMatchObject({ LoginProfile: { UserName: 'ana', PasswordResetRequired: true } });
    expect((await cli('iam', 'users', 'delete-login-profile', 'ana')).code).toBe(0);

    const device = json<{ VirtualMFADevice: { SerialNumber: string; Base32StringSeed: string } }>(await cli('iam', 'users', 'create-virtual-mfa', 'ana-phone'));
    expect(device.VirtualMFADevice.Base32StringSeed).toMatch(/^[A-Z2-7]+=*$/);
    expect((await cli('iam', 'users', 'list-virtual-mfa', '--output', 'text')).stdout).toContain(device.VirtualMFADevice.SerialNumber);
    expect((await cli('iam', 'users', 'delete-virtual-mfa', device.VirtualMFADevice.SerialNumber)).code).toBe(0);

    expect((await cli('iam', 'users', 'detach', 'ana', '--policy-arn', 'arn:aws:iam::aws:policy/IAMReadOnlyAccess')).code).toBe(0);
    expect((await cli('iam', 'users', 'delete', 'ana')).code).toBe(0);
    expect(oneLine(await cli('iam', 'users', 'get', 'ana'), 1)).toMatch(/^deployport: NoSuchEntity: .*ana/);
  });

  it('groups: create, add-user, list-users, attach, remove-user, delete', async () => {
    await cli('iam', 'users', 'create', 'gus');
    expect((await cli('iam', 'groups', 'create', 'devs')).code).toBe(0);
    expect((await cli('iam', 'groups', 'add-user', 'devs', 'gus')).code).toBe(0);
    expect((await cli('iam', 'groups', 'list-users', 'devs', '--output', 'table')).stdout).toMatch(/^gus\s+arn:aws:iam::\d+:user\/gus$/m);
    expect((await cli('iam', 'users', 'list-groups', 'gus', '--query', 'Groups[0].GroupName', '--output', 'text')).stdout.trim()).toBe('devs');
    expect((await cli('iam', 'groups', 'attach', 'devs', '--policy-arn', 'arn:aws:iam::aws:policy/ReadOnlyAccess')).code).toBe(0);
    expect((await cli('iam', 'groups', 'detach', 'devs', '--policy-arn', 'arn:aws:iam::aws:policy/ReadOnlyAccess')).code).toBe(0);
    expect((await cli('iam', 'groups', 'remove-user', 'devs', 'gus')).code).toBe(0);
    expect((await cli('iam', 'groups', 'delete', 'devs')).code).toBe(0);
    expect((await cli('iam', 'groups', 'list', '--output', 'text')).stdout).not.toContain('devs');
  });

  it('roles: a trust file and a maximum session duration; assume with a duration, as export lines or into a named profile', async () => {
    const account = t.accountId;
    const trust = homeFile(home, 'trust.json', JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:user/admin` }, Action: 'sts:AssumeRole' } }));
    const role = json<{ Role: { MaxSessionDuration: number } }>(await cli('iam', 'roles', 'create', 'ops', '--trust', trust, '--max-session-duration', '7200'));
    expect(role.Role.MaxSessionDuration).toBe(7200);
    expect(json(await cli('iam', 'roles', 'get', 'ops', '--query', 'Role.AssumeRolePolicyDocument.Statement.Principal.AWS'))).toBe(`arn:aws:iam::${account}:user/admin`);

    const env = await cli('iam', 'roles', 'assume', 'ops', '--output', 'env', '--no-save-profile', '--duration', '900');
    expect(env.code).toBe(0);
    expect(env.stdout).toMatch(/^export DEPLOYPORT_ACCESS_KEY_ID=ASIA\w{16}\nexport DEPLOYPORT_SECRET_ACCESS_KEY=\S{40}\nexport DEPLOYPORT_SESSION_TOKEN=\S+\n$/);
    const whoami = await shell(home, `eval "$(deployport iam roles assume ops --output env --no-save-profile --session-name from-env)" && deployport sts whoami --query Arn --output text`);
    expect(whoami.stdout.trim()).toBe(`arn:aws:sts::${account}:assumed-role/ops/from-env`);

    const saved = await cli('iam', 'roles', 'assume', 'ops', '--save-profile', 'ops-session', '--session-name', 'saved', '--output', 'text');
    expect(saved.stdout).toMatch(/^ASIA\w{16}\t\S{40}\t\S+\t\d{4}-/);
    expect(saved.stderr).toContain('Saved as profile "ops-session"');
    expect((await cli('--profile', 'ops-session', 'sts', 'whoami', '--query', 'Arn', '--output', 'text')).stdout.trim()).toBe(`arn:aws:sts::${account}:assumed-role/ops/saved`);

    const session = homeFile(home, 'session.json', JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' } }));
    const narrowed = await cli('iam', 'roles', 'assume', 'ops', '--policy', session, '--save-profile', 'narrow');
    expect(narrowed.code).toBe(0);
    expect(oneLine(await cli('--profile', 'narrow', 'iam', 'users', 'list'), 1)).toMatch(/^deployport: AccessDenied: .* iam:ListUsers /);
    // The model's limit, checked before the call.
    expect(oneLine(await cli('iam', 'roles', 'assume', 'ops', '--duration', '999999'), 2)).toMatch(/at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200/);

    expect((await cli('iam', 'roles', 'update', 'ops', '--description', 'operators')).code).toBe(0);
    expect((await cli('iam', 'roles', 'list', '--output', 'table')).stdout).toMatch(/^ops\s+AROA/m);
    expect((await cli('iam', 'roles', 'delete', 'ops')).code).toBe(0);
  });

  it('policies: create, versions, default version, tags, delete', async () => {
    const file = homeFile(home, 'policy.json', READ_USERS);
    const created = json<{ Policy: { Arn: string } }>(await cli('iam', 'policies', 'create', 'read-users', '--document', `file://${file}`, '--tag', 'a=b'));
    expect(created.Policy.Arn).toBe(`arn:aws:iam::${t.accountId}:policy/read-users`);
    // A bare name is a policy of the caller's account.
    expect(json(await cli('iam', 'policies', 'get', 'read-users', '--query', 'Policy.DefaultVersionId'))).toBe('v1');
    expect((await cli('iam', 'policies', 'create-version', 'read-users', '--document', READ_USERS, '--set-as-default')).code).toBe(0);
    expect((await cli('iam', 'policies', 'list-versions', 'read-users', '--output', 'text')).stdout.trim().split('\n')).toHaveLength(2);
    expect(json(await cli('iam', 'policies', 'get-version', 'read-users', 'v2', '--query', 'PolicyVersion.Document.Statement[0].Action'))).toEqual(['iam:GetUser', 'iam:ListUsers']);
    expect((await cli('iam', 'policies', 'set-default-version', 'read-users', 'v1')).code).toBe(0);
    expect((await cli('iam', 'policies', 'delete-version', 'read-users', 'v2')).code).toBe(0);
    expect(json(await cli('iam', 'policies', 'list-tags', 'read-users'))).toMatchObject({ Tags: [{ Key: 'a', Value: 'b' }] });
    expect((await cli('iam', 'policies', 'list', '--scope', 'Local', '--output', 'table')).stdout).toMatch(/^read-users\s+arn:/m);
    expect((await cli('iam', 'policies', 'delete', 'read-users')).code).toBe(0);
  });

  it('access-keys: create, list, get, deactivate, delete', async () => {
    await cli('iam', 'users', 'create', 'kim');
    const key = json<{ AccessKey: { AccessKeyId: string; SecretAccessKey: string } }>(await cli('iam', 'access-keys', 'create', '--user-name', 'kim')).AccessKey;
    expect(key.SecretAccessKey).toHaveLength(40);
    expect((await cli('iam', 'access-keys', 'list', '--user-name', 'kim', '--output', 'text')).stdout).toContain(key.AccessKeyId);
    expect(json(await cli('iam', 'access-keys', 'get', key.AccessKeyId))).toMatchObject({ UserName: 'kim' });
    expect((await cli('iam', 'access-keys', 'update', key.AccessKeyId, '--status', 'Inactive', '--user-name', 'kim')).code).toBe(0);
    expect(json(await cli('iam', 'access-keys', 'list', '--user-name', 'kim', '--query', 'AccessKeyMetadata[0].Status'))).toBe('Inactive');
    expect((await cli('iam', 'access-keys', 'delete', key.AccessKeyId, '--user-name', 'kim')).code).toBe(0);
  });

  it('simulate prints the decision and the statements that decided it, for a principal or a policy file', async () => {
    await cli('iam', 'users', 'create', 'sim');
    await cli('iam', 'users', 'attach', 'sim', '--policy-arn', 'arn:aws:iam::aws:policy/IAMReadOnlyAccess');
    const table = await cli('iam', 'simulate', '--principal', 'sim', '--action', 'iam:ListUsers', '--action', 'iam:CreateUser', '--output', 'table');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^iam:ListUsers\s+\*\s+allowed\s+IAMReadOnlyAccess \(aws-managed line \d+ col \d+\)$/m);
    expect(table.stdout).toMatch(/^iam:CreateUser\s+\*\s+implicitDeny\s+no statement allows it$/m);
    const file = homeFile(home, 'sim.json', READ_USERS);
    const custom = json<{ EvaluationResults: { EvalDecision: string }[] }>(await cli('iam', 'simulate', '--policy', file, '--action', 'iam:GetUser', '--context', 'aws:SourceIp=10.0.0.1'));
    expect(custom.EvaluationResults[0]?.EvalDecision).toBe('allowed');
    expect(oneLine(await cli('iam', 'simulate', '--action', 'iam:GetUser'), 2)).toContain('--principal or --policy');
  });

  it('policy validate runs offline and names each problem by its JSON pointer', async () => {
    const good = homeFile(home, 'good.json', READ_USERS);
    const ok = await deployport(home, ['policy', 'validate', good, '--output', 'table'], { env: { DEPLOYPORT_ENDPOINT: 'http://127.0.0.1:1' } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Valid identity policy');
    const bad = homeFile(home, 'bad.json', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Maybe', Action: 's3:GetObject', Resource: '*' }] }));
    const failed = await cli('policy', 'validate', bad, '--output', 'json');
    expect(failed.code).toBe(1);
    const report = JSON.parse(failed.stdout) as { Valid: boolean; Diagnostics: { Pointer: string }[] };
    expect(report.Valid).toBe(false);
    expect(report.Diagnostics[0]?.Pointer).toBe('/Statement/0/Effect');
    expect(oneLine(failed, 1)).toBe('deployport: the policy has 1 error');
    expect((await cli('policy', 'validate', good, '--kind', 'trust', '--output', 'json')).code).toBe(1);
  });

  it('bad arguments exit 2 with one clear line, before any call', async () => {
    // The server's own name rules, checked here: no request is sent (the endpoint is unreachable).
    const env = { DEPLOYPORT_ENDPOINT: 'http://127.0.0.1:1' };
    expect(oneLine(await deployport(home, ['iam', 'users', 'create', 'bad name!'], { env }), 2)).toMatch(/^deployport: 1 validation error detected: Value 'bad name!' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    expect(oneLine(await deployport(home, ['iam', 'roles', 'create', 'r', '--trust', '{}', '--max-session-duration', '60'], { env }), 2)).toMatch(/maxSessionDuration/);
    expect(oneLine(await cli('iam', 'users', 'create'), 2)).toBe("error: missing required argument 'user-name'");
    expect(oneLine(await cli('iam', 'roles', 'create', 'r', '--max-session-duration', 'long'), 2)).toMatch(/--max-session-duration.*must be a whole number/);
    expect(oneLine(await cli('iam', 'users', 'lisst'), 2)).toBe("error: unknown command 'lisst' (Did you mean list?)");
    expect(oneLine(await cli('iam', 'policies', 'create', 'p', '--document', 'missing.json'), 2)).toMatch(/neither a file nor JSON/);
    expect(oneLine(await cli('iam', 'users', 'list', '--output', 'yaml'), 2)).toMatch(/invalid output format "yaml"/);
    expect(oneLine(await cli('iam', 'users', 'list', '--query', 'Users[?'), 2)).toMatch(/invalid --query/);
    expect(oneLine(await cli('iam', 'access-keys', 'update', 'AKIAIOSFODNN7EXAMPLE', '--status', 'Paused'), 2)).toMatch(/Allowed choices are Active, Inactive/);
  });

  it('a server that is not running: one line naming the endpoint and profile', async () => {
    const run = await deployport(home, ['sts', 'whoami'], { env: { DEPLOYPORT_ENDPOINT: 'http://127.0.0.1:1' } });
    expect(oneLine(run, 1)).toBe('deployport: cannot reach the server at http://127.0.0.1:1 (connection refused; profile "default"). Is it running? Start one with "deployport server", or set the endpoint with "deployport configure -e URL".');
  });

  it('wrong keys and missing keys: the AWS code, and a hint naming the profile', async () => {
    const unknown = await deployport(home, ['sts', 'whoami'], { env: { DEPLOYPORT_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', DEPLOYPORT_SECRET_ACCESS_KEY: 'x'.repeat(40) } });
    expect(oneLine(unknown, 1)).toMatch(/^deployport: InvalidClientTokenId: .*\(the access key of profile "default" is not known to http:\/\/127\.0\.0\.1:\d+; check it with "deployport configure list"\)$/);
    const wrongSecret = await deployport(home, ['sts', 'whoami'], { env: { DEPLOYPORT_ACCESS_KEY_ID: t.admin.accessKeyId, DEPLOYPORT_SECRET_ACCESS_KEY: 'x'.repeat(40) } });
    expect(oneLine(wrongSecret, 1)).toMatch(/^deployport: SignatureDoesNotMatch: /);
    expect(oneLine(await cli('--profile', 'nobody', 'sts', 'whoami'), 2)).toBe('deployport: profile "nobody" has no credentials: run "deployport configure --profile nobody" or set DEPLOYPORT_ACCESS_KEY_ID and DEPLOYPORT_SECRET_ACCESS_KEY');
  });

  it('--debug shows each request without secrets', async () => {
    await cli('iam', 'users', 'create', 'deb');
    const run = await cli('--debug', 'iam', 'users', 'create-login-profile', 'deb', '--password', 'Very-Secret-Horse-1');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^\[debug\] profile "default" \(default\), endpoint http:\/\/127\.0\.0\.1:\d+/m);
    expect(run.stderr).toMatch(/^\[debug\] → POST http:\/\/127\.0\.0\.1:\d+\/ Action=CreateLoginProfile&Version=2010-05-08&UserName=deb&Password=\*\*\*$/m);
    expect(run.stderr).toMatch(/^\[debug\] ← 200$/m);
    expect(run.stderr).not.toContain('Very-Secret-Horse-1');
    expect(run.stderr).not.toContain(t.admin.secretAccessKey);
  });

  it('configure asks for each value when given no flags (hiding nothing it should show), and list masks the secret', async () => {
    const env = { DEPLOYPORT_PROFILE: 'asked' };
    const run = await deployport(home, ['configure'], { env, input: `AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nus-nyc\n${t.url}\n` });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Access Key ID [<not set>]: ');
    expect(readHomeFile(home, '.deployport/credentials')).toContain('[asked]\naccess_key_id = AKIAIOSFODNN7EXAMPLE\nsecret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    const list = json<{ Profile: { Name: string; Value: string; Source: string }[] }>(await deployport(home, ['configure', 'list'], { env }));
    expect(list.Profile).toContainEqual({ Name: 'profile', Value: 'asked', Source: 'env DEPLOYPORT_PROFILE' });
    expect(list.Profile).toContainEqual({ Name: 'secret_access_key', Value: '****************EKEY', Source: '~/.deployport/credentials [asked]' });
    const overridden = json<{ Profile: { Name: string; Value: string; Source: string }[] }>(await deployport(home, ['configure', 'list'], { env: { ...env, DEPLOYPORT_REGION: 'eu-x' } }));
    expect(overridden.Profile).toContainEqual({ Name: 'region', Value: 'eu-x', Source: 'env DEPLOYPORT_REGION' });
    expect(oneLine(await deployport(home, ['configure', '-r', 'Not A Region'], { env }), 2)).toMatch(/invalid region/);
  });

  it('completes commands in bash', async () => {
    const run = await shell(home, 'source <(deployport completion bash); COMP_WORDS=(deployport iam ro); COMP_CWORD=2; _deployport_complete; echo "${COMPREPLY[@]}"; COMP_WORDS=(deployport iam roles assume x --sa); COMP_CWORD=5; _deployport_complete; echo "${COMPREPLY[@]}"');
    expect(run.stdout.split('\n').slice(0, 2)).toEqual(['roles', '--save-profile']);
    expect((await cli('completion', 'zsh')).stdout).toContain('bashcompinit');
    expect(oneLine(await cli('completion', 'fish'), 2)).toMatch(/unknown shell "fish"/);
  });

  it('every command has --help with an example', () => {
    const missing: string[] = [];
    const walk = (command: Command, path: string) => {
      let help = '';
      command.configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (help += s) });
      command.outputHelp();
      if (!/\nExamples?:\n {2}deployport /.test(help)) missing.push(path);
      for (const sub of command.commands) walk(sub, `${path} ${sub.name()}`);
    };
    walk(buildProgram(), 'deployport');
    expect(missing).toEqual([]);
  });
});
