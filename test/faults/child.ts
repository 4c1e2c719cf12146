/**
 * The real `deployport server` as a child process (the built CLI), for fault tests that kill it
 * with SIGKILL or cut its database connections: its own HOME, a loopback port, bounded waits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { BIN, cliEnv, type CliHome } from '../cli/cli.js';
import type { Credentials } from '../helpers/server.js';

export interface ChildServer {
  readonly url: string;
  readonly process: ChildProcess;
  /** The root key printed on the first start; undefined on later starts. */
  readonly root: Credentials | undefined;
  /** What it wrote on stderr so far (a crash or a warning shows here). */
  stderr(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (a clean stop), and wait for the exit. */
  stop(): Promise<void>;
}

/** Starts `deployport server --port 0` with `args`; resolves once it says where it listens (≤ 60 s). */
export function startChild(home: CliHome, args: readonly string[], env: Record<string, string> = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, [BIN, 'server', '--host', '127.0.0.1', '--port', '0', ...args], { env: cliEnv(home, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return new Promise<ChildServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`deployport server did not start within 60 s: ${out}${err}`));
    }, 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      // The first start prints everything in one write; wait for the root key if it is coming.
      if (url === undefined || (/Created account/.test(out) && !/Secret access key: +\S+/.test(out))) return;
      clearTimeout(timer);
      const accessKeyId = /Access key ID: +(\S+)/.exec(out)?.[1];
      const secretAccessKey = /Secret access key: +(\S+)/.exec(out)?.[1];
      resolve({
        url,
        process: child,
        root: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
        stderr: () => err,
        kill: () => end('SIGKILL'),
        stop: () => end('SIGTERM'),
      });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`deployport server exited (${String(code ?? signal)}) before listening: ${out}${err}`));
    });
  });
}

/** No retries (each call's outcome is the one recorded) and a bound on every call: a hang fails the test. */
const clientOptions = (url: string, credentials: Credentials) => ({
  endpoint: url,
  region: 'us-east-1',
  credentials,
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 20_000 }),
});

export const iamClient = (url: string, credentials: Credentials) => new IAMClient(clientOptions(url, credentials));
export const stsClient = (url: string, credentials: Credentials) => new STSClient(clientOptions(url, credentials));

/** A seeded generator (mulberry32), so a failing run can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The AWS error code and HTTP status of a failed SDK call; `transport` when no HTTP answer came. */
export function outcome(error: unknown): { code: string; status: number | undefined } {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return { code: e.Code ?? e.name ?? 'Error', status: e.$metadata?.httpStatusCode };
}
