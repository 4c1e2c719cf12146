/**
 * The quick start of the issue, line for line, against a freshly started server: the administrator
 * profile the server's first start leaves behind, then a role assumed and used from a profile.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { deployport, startCliFixture, readHomeFile, type CliHome } from './cli.js';

describe('the deployport walkthrough', () => {
  let t: TestServer;
  let home: CliHome;

  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ t, home, close } = await startCliFixture());
  }, 180_000);

  afterAll(async () => {
    await close?.();
  });

  it('creates a user and a role, assumes the role, and then acts as the role with its permissions and no more', async () => {
    const users = await deployport(home, ['iam', 'users', 'create', 'john-developer']);
    expect(users.stderr).toBe('');
    expect(users.code).toBe(0);
    expect(users.stdout).toContain('john-developer');

    const roles = await deployport(home, ['iam', 'roles', 'create', 'developer-access']);
    expect(roles.code).toBe(0);
    // The role's permissions, granted by the administrator before anyone assumes it.
    const attach = await deployport(home, ['iam', 'roles', 'attach', 'developer-access', '--policy-arn', 'arn:aws:iam::aws:policy/IAMReadOnlyAccess']);
    expect(attach.code).toBe(0);

    const assume = await deployport(home, ['iam', 'roles', 'assume', 'developer-access']);
    expect(assume.code).toBe(0);
    const { Credentials: credentials } = JSON.parse(assume.stdout) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } };
    expect(credentials.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(assume.stderr).toContain('Saved as profile "temp-role"');

    const env = { DEPLOYPORT_PROFILE: 'temp-role' };
    const configure = await deployport(home, ['configure', '-i', credentials.AccessKeyId, '-k', credentials.SecretAccessKey, '-r', 'us-nyc'], { env });
    expect(configure.code).toBe(0);
    expect(statSync(join(home.home, '.deployport', 'credentials')).mode & 0o777).toBe(0o600);
    // The same key id as assume saved: its session token stays (the server would accept it without).
    expect(readHomeFile(home, '.deployport/credentials')).toMatch(/\[temp-role\]\naccess_key_id = ASIA\w+\nsecret_access_key = \S+\nsession_token = \S+/);
    expect(readHomeFile(home, '.deployport/config')).toMatch(/\[temp-role\]\nregion = us-nyc\nendpoint = http:/);

    const whoami = await deployport(home, ['sts', 'whoami'], { env });
    expect(whoami.code).toBe(0);
    expect((JSON.parse(whoami.stdout) as { Arn: string }).Arn).toMatch(new RegExp(`^arn:aws:sts::${t.accountId}:assumed-role/developer-access/deployport-\\d+$`));

    const list = await deployport(home, ['iam', 'users', 'list', '--query', 'Users[].UserName', '--output', 'text'], { env });
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\t').sort()).toEqual(['admin', 'john-developer']);

    const denied = await deployport(home, ['iam', 'users', 'create', 'jane'], { env });
    expect(denied.code).toBe(1);
    expect(denied.stdout).toBe('');
    expect(denied.stderr.trim().split('\n')).toHaveLength(1);
    expect(denied.stderr).toMatch(/^deployport: AccessDenied: User: arn:aws:sts::\d{12}:assumed-role\/developer-access\/\S+ is not authorized to perform: iam:CreateUser/);
    expect(denied.stderr).toContain('profile "temp-role"');
  });

  it('works from the key id and secret alone, as configure stores them for a fresh profile', async () => {
    const assume = await deployport(home, ['iam', 'roles', 'assume', 'developer-access', '--no-save-profile']);
    const { Credentials: c } = JSON.parse(assume.stdout) as { Credentials: { AccessKeyId: string; SecretAccessKey: string } };
    const env = { DEPLOYPORT_PROFILE: 'bare' };
    expect((await deployport(home, ['configure', '-i', c.AccessKeyId, '-k', c.SecretAccessKey, '-r', 'us-nyc', '-e', t.url], { env })).code).toBe(0);
    expect(readHomeFile(home, '.deployport/credentials')).not.toMatch(/\[bare\][^[]*session_token/);
    const whoami = await deployport(home, ['sts', 'whoami', '--query', 'Arn', '--output', 'text'], { env });
    expect(whoami.stdout.trim()).toMatch(/:assumed-role\/developer-access\//);
  });
});
