/**
 * The README's `deployport` walkthrough, run as written: a `deployport server` started the way
 * `npm start` starts it (on a free port), then each line in one shell session, the placeholders
 * filled from what `roles assume` printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, ensureBuilt, makeHome, shell, type CliHome } from './cli.js';

/** The commands of the README's `deployport` walkthrough, with their trailing comments. */
function walkthrough(): { command: string; comment: string }[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /### With the `deployport` CLI[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return block
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [command = '', comment = ''] = line.split(/\s+#\s*/, 2);
      return { command: command.trim(), comment };
    });
}

describe('the README walkthrough', () => {
  let home: CliHome;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    await ensureBuilt();
    home = makeHome();
    // `deployport server` as `npm start` runs it; DEPLOYPORT_PORT=0 only so tests never collide.
    const child = spawn('deployport', ['server'], { env: cliEnv(home, { DEPLOYPORT_PORT: '0' }), stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (/try "deployport sts whoami"/.test(out)) resolve();
      });
      child.on('exit', (code) => reject(new Error(`deployport server exited (${String(code)}): ${out}`)));
    });
  }, 180_000);

  afterAll(() => {
    if (server?.pid !== undefined && server.exitCode === null) process.kill(server.pid, 'SIGTERM');
    home?.cleanup();
  });

  it('works line for line against a freshly started server', async () => {
    const lines = walkthrough();
    expect(lines.map((l) => l.command).slice(0, 2)).toEqual(['deployport iam users create john-developer', 'deployport iam roles create developer-access']);
    expect(lines.map((l) => l.command)).toEqual(expect.arrayContaining(['deployport iam roles assume developer-access', 'export DEPLOYPORT_PROFILE=temp-role', 'deployport configure -i <ACCESS_KEY_ID> -k <SECRET_ACCESS_KEY> -r us-nyc']));
    const env: Record<string, string> = {};
    let keys: { AccessKeyId: string; SecretAccessKey: string } | undefined;
    for (const { command, comment } of lines) {
      const exported = /^export (\w+)=(\S+)$/.exec(command);
      if (exported) {
        env[exported[1]!] = exported[2]!;
        continue;
      }
      const line = command.replace('<ACCESS_KEY_ID>', keys?.AccessKeyId ?? '<ACCESS_KEY_ID>').replace('<SECRET_ACCESS_KEY>', keys?.SecretAccessKey ?? '<SECRET_ACCESS_KEY>');
      const run = await shell(home, line, env);
      if (comment.startsWith('AccessDenied')) {
        expect(run.code, line).toBe(1);
        expect(run.stderr).toMatch(/^deployport: AccessDenied: .*assumed-role\/developer-access\//);
        continue;
      }
      expect(run.code, `${line}: ${run.stderr}`).toBe(0);
      // Only `roles assume` says something on stderr: where it saved the credentials.
      expect(run.stderr, line).toBe(command.includes('roles assume') ? `Saved as profile "temp-role" in ~/.deployport/credentials; use it with: export DEPLOYPORT_PROFILE=temp-role\n` : '');
      if (command.includes('roles assume')) keys = (JSON.parse(run.stdout) as { Credentials: typeof keys }).Credentials;
      if (command.includes('sts whoami')) expect(run.stdout).toMatch(/"Arn": "arn:aws:sts::\d{12}:assumed-role\/developer-access\/deployport-\d+"/);
      if (command.includes('users list')) expect(run.stdout).toContain('john-developer');
    }
    expect(keys?.AccessKeyId).toMatch(/^ASIA/);
  });
});
