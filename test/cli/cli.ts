/**
 * Running the built `deployport` binary as a user would: a child process with its own HOME, so
 * profiles never touch the developer's. The build happens once per test run, shared by the files.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { profileFiles } from '../../src/cli/profiles.js';
import { writeCliDefaultProfile } from '../../src/cli/server-command.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The built entry point that package.json's `bin` names. */
export const BIN = join(ROOT, 'dist', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ unless it is newer than every source file. Test files run in parallel: a lock
 * folder makes one of them build while the others wait.
 */
export async function ensureBuilt(): Promise<void> {
  const fresh = () => existsSync(BIN) && statSync(BIN).mtimeMs > newestMtime(join(ROOT, 'src'));
  if (fresh()) return;
  const lock = join(ROOT, 'dist', '.cli-test-build.lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than three minutes belongs to a run that died.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (fresh()) return;
    }
  }
  try {
    if (fresh()) return;
    // Same as `npm run build`; a type error elsewhere still emits, and typecheck reports it.
    await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch(() => undefined);
    chmodSync(BIN, 0o755);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A temporary HOME with a `bin/deployport` link to the build, as `npm link` would make. */
export interface CliHome {
  readonly home: string;
  readonly binDir: string;
  cleanup(): void;
}

/** Makes a temporary HOME. */
export function makeHome(): CliHome {
  const home = mkdtempSync(join(tmpdir(), 'deployport-cli-'));
  const binDir = join(home, 'bin');
  mkdirSync(binDir);
  symlinkSync(BIN, join(binDir, 'deployport'));
  return { home, binDir, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** What a run printed and how it ended. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a run: nothing of ours or the AWS CLI's leaks in from the test's own. */
export function cliEnv(home: CliHome, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^(DEPLOYPORT_|AWS_)/.test(key)) env[key] = value;
  return { ...env, HOME: home.home, PATH: `${home.binDir}:${process.env['PATH'] ?? ''}`, ...extra };
}

/**
 * Runs `deployport args…` (the installed link, so its shebang and mode are tested too). Async on
 * purpose: the server under test runs in this process and must keep answering.
 */
export function deployport(home: CliHome, args: readonly string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  return runProcess(join(home.binDir, 'deployport'), args, cliEnv(home, options.env), options.input);
}

/** Runs a shell command line in the same environment as `deployport`. */
export function shell(home: CliHome, line: string, env: Record<string, string> = {}): Promise<Run> {
  return runProcess('bash', ['-c', line], cliEnv(home, env));
}

function runProcess(file: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, cwd: env['HOME'], stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Writes a file under the HOME and answers its path. */
export function homeFile(home: CliHome, name: string, content: string): string {
  const path = join(home.home, name);
  writeFileSync(path, content);
  return path;
}

/** The text of a file under the HOME. */
export function readHomeFile(home: CliHome, name: string): string {
  return readFileSync(join(home.home, name), 'utf8');
}

/** A server, and a temporary HOME whose default CLI profile is its administrator, as `deployport server`'s first start leaves it. */
export async function startCliFixture(): Promise<{ t: TestServer; home: CliHome; close(): Promise<void> }> {
  const [t] = await Promise.all([startTestServer('sqlite'), ensureBuilt()]);
  const home = makeHome();
  writeCliDefaultProfile(t.admin, { region: 'us-east-1', endpoint: t.url }, profileFiles({ HOME: home.home }));
  return {
    t,
    home,
    async close() {
      await t.close();
      home.cleanup();
    },
  };
}
