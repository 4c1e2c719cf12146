/**
 * Integration tests start a real server on an ephemeral loopback port, over SQLite or over
 * PostgreSQL (a fresh schema per server), and talk to it with the real AWS SDK clients.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import type { Clock } from '../../src/shared/clock.js';
import { loadConfig } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';

export const BACKENDS = ['sqlite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

/** The PostgreSQL server tests use (CI runs one on loopback). */
export const POSTGRES_URL = process.env['DEPLOYPORT_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Credentials as the SDK takes them. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A server under test, with clients for its administrator. */
export interface TestServer {
  readonly backend: Backend;
  readonly url: string;
  readonly server: RunningServer;
  readonly accountId: string;
  readonly admin: Credentials;
  readonly root: Credentials;
  /** IAM and STS clients signed as the administrator. */
  readonly iam: IAMClient;
  readonly sts: STSClient;
  iamAs(credentials: Credentials): IAMClient;
  stsAs(credentials: Credentials): STSClient;
  close(): Promise<void>;
}

/** Starts a server on an ephemeral port over the given backend. */
export async function startTestServer(backend: Backend, options: { clock?: Clock; region?: string } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'deployport-test-'));
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const config = {
    ...loadConfig({ host: '127.0.0.1', port: 0, dataDir, region: options.region ?? 'us-east-1' }, {}),
    databaseUrl: backend === 'postgres' ? POSTGRES_URL : undefined,
    masterKey: randomBytes(32).toString('base64'),
  };
  const server = await startServer(config, { clock: options.clock, schema: backend === 'postgres' ? schema : undefined, writeProfile: false });
  const first = server.bootstrap;
  if (!first) throw new Error('a fresh store must bootstrap an account');
  const region = options.region ?? 'us-east-1';
  const iamAs = (credentials: Credentials) => new IAMClient({ endpoint: server.url, region, credentials, maxAttempts: 1 });
  const stsAs = (credentials: Credentials) => new STSClient({ endpoint: server.url, region, credentials, maxAttempts: 1 });
  const admin = { accessKeyId: first.admin.accessKeyId, secretAccessKey: first.admin.secretAccessKey };
  const root = { accessKeyId: first.root.accessKeyId, secretAccessKey: first.root.secretAccessKey };
  return {
    backend,
    url: server.url,
    server,
    accountId: first.accountId,
    admin,
    root,
    iam: iamAs(admin),
    sts: stsAs(admin),
    iamAs,
    stsAs,
    async close() {
      await server.close();
      if (backend === 'postgres') await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function dropSchema(schema: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** The error an SDK call rejects with, for assertions on its AWS code and status. */
export async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.Code ?? e.name ?? 'Error', message: e.message ?? '', status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail, and it succeeded');
}
