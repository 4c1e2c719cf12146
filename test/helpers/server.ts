/**
 * Integration tests start a real server on an ephemeral loopback port, over SQLite or over
 * PostgreSQL (a fresh schema per server), and talk to it with the real AWS SDK clients.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
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

/** The API version of Deployport's own operations (src/protocol/model/deployport.json). */
export const DEPLOYPORT_VERSION = '2026-11-30';

/**
 * Calls an operation of our own as a client does: a Query POST signed for `iam`, with the
 * deployport model's Version. Answers the HTTP status and the XML body.
 */
export async function callDeployport(t: TestServer, credentials: Credentials, action: string, params: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = new URL(t.url);
  const body = new URLSearchParams({ Action: action, Version: DEPLOYPORT_VERSION, ...params }).toString();
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'iam', sha256: Sha256 });
  const signed = await signer.sign(
    new HttpRequest({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: '/', headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body }),
  );
  const response = await fetch(t.url, { method: 'POST', headers: signed.headers, body });
  return { status: response.status, body: await response.text() };
}

/** The text of the first `<name>` element of an XML answer (enough for the few fields tests read). */
export function xmlText(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

/** Another account on the same server, made by CreateAccount as the first account's administrator. */
export interface SecondAccount {
  readonly accountId: string;
  readonly root: Credentials;
  /** Its administrator user (`admin`, with AdministratorAccess). */
  readonly admin: Credentials;
  readonly iam: IAMClient;
  readonly sts: STSClient;
}

/** Creates another account with an administrator through CreateAccount. */
export async function createSecondAccount(t: TestServer): Promise<SecondAccount> {
  const { status, body } = await callDeployport(t, t.admin, 'CreateAccount', { AdminUserName: 'admin' });
  if (status !== 200) throw new Error(`CreateAccount failed (${status}): ${body}`);
  const [root, admin] = body.split('<AdminAccessKey>') as [string, string];
  const key = (xml: string): Credentials => ({ accessKeyId: xmlText(xml, 'AccessKeyId') ?? '', secretAccessKey: xmlText(xml, 'SecretAccessKey') ?? '' });
  const credentials = { root: key(root), admin: key(admin) };
  return { accountId: xmlText(body, 'AccountId') ?? '', ...credentials, iam: t.iamAs(credentials.admin), sts: t.stsAs(credentials.admin) };
}
