/**
 * Faults on PostgreSQL, with the real server as a child process on a database of its own (the
 * CLI takes no schema): SIGKILL mid-write (RELIABILITY 45), and its connections terminated
 * mid-request (RELIABILITY 47): clients get ServiceUnavailable/ServiceFailure in AWS's shape, never
 * a hang or a crash, nothing partial is stored, and the server recovers by itself, its change feed's
 * LISTEN connection included.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, makeHome, type CliHome } from '../cli/cli.js';
import { POSTGRES_URL, type Credentials } from '../helpers/server.js';
import { iamClient, outcome, seeded, startChild, stsClient, type ChildServer } from './child.js';
import { drive, emptyAcked, ORPHAN_QUERIES, verify } from './workload.js';

const ADMIN_URL = process.env['DEPLOYPORT_TEST_DATABASE_URL'] ?? POSTGRES_URL;

function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PostgreSQL faults (RELIABILITY 45, 47)', () => {
  let home: CliHome;
  let admin: pg.Client;
  const databases: string[] = [];
  const servers: ChildServer[] = [];

  /** A fresh database, dropped after the file's tests. */
  async function freshDatabase(): Promise<{ name: string; url: string }> {
    const name = `deployport_fault_${randomBytes(5).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    databases.push(name);
    return { name, url: databaseUrl(name) };
  }

  async function start(url: string, env: Record<string, string> = {}): Promise<ChildServer> {
    const server = await startChild(home, ['--data-dir', join(home.home, 'data'), '--database-url', url], env);
    servers.push(server);
    return server;
  }

  /** Terminates every backend of the database but ours; answers how many. */
  async function terminateAll(name: string): Promise<number> {
    const { rows } = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    return rows.filter((r) => r.ok).length;
  }

  async function orphans(url: string): Promise<Record<string, number>> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const counts: Record<string, number> = {};
      for (const [name, query] of Object.entries(ORPHAN_QUERIES)) counts[name] = Number((await client.query<{ n: string }>(query)).rows[0]!.n);
      return counts;
    } finally {
      await client.end();
    }
  }
  const NO_ORPHANS = Object.fromEntries(Object.keys(ORPHAN_QUERIES).map((k) => [k, 0]));

  beforeAll(async () => {
    await ensureBuilt();
    home = makeHome();
    admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
  }, 180_000);

  afterAll(async () => {
    for (const server of servers) await server.kill();
    for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin?.end();
    home?.cleanup();
  });

  it('keeps every acknowledged write, whole, across seeded kills of the server', async () => {
    const db = await freshDatabase();
    const random = seeded(4545);
    const masterKey = randomBytes(32).toString('base64');
    let server = await start(db.url, { DEPLOYPORT_MASTER_KEY: masterKey });
    const root: Credentials = server.root!;
    expect(root).toBeDefined();
    const acked = emptyAcked();
    for (let round = 0; round < 2; round++) {
      const running = server;
      const target = 20 + Math.floor(random() * 100);
      await drive({ url: running.url, admin: root, prefix: `r${round}`, workers: 8, stopAfterAcks: target, onTarget: () => running.kill(), acked, isFault: (_code, status) => status === undefined });
      expect(running.process.signalCode).toBe('SIGKILL');
      expect(acked.refused).toEqual([]);
      expect(await orphans(db.url)).toEqual(NO_ORPHANS);
      server = await start(db.url, { DEPLOYPORT_MASTER_KEY: masterKey });
      expect(server.root).toBeUndefined();
      await verify(server.url, root, acked);
    }
    expect(acked.keys.length).toBeGreaterThan(0);
  }, 240_000);

  it('answers 5xx in AWS shape when its connections are terminated, stores nothing partial, and recovers', async () => {
    const db = await freshDatabase();
    const masterKey = randomBytes(32).toString('base64');
    const a = await start(db.url, { DEPLOYPORT_MASTER_KEY: masterKey });
    const root: Credentials = a.root!;
    // A second node on the same database: it learns of A's writes through LISTEN/NOTIFY.
    const b = await start(db.url, { DEPLOYPORT_MASTER_KEY: masterKey });

    const faults: string[] = [];
    const acked = emptyAcked();
    let terminated = 0;
    await drive({
      url: a.url,
      admin: root,
      prefix: 'storm',
      workers: 6,
      stopAfterAcks: 10,
      keepGoing: true,
      acked,
      // Seven terminations 150 ms apart while the writes run.
      onTarget: async () => {
        for (let i = 0; i < 7; i++) {
          terminated += await terminateAll(db.name);
          await sleep(150);
        }
      },
      isFault: (code, status) => {
        const shaped = (code === 'ServiceUnavailable' && status === 503) || (code === 'ServiceFailure' && status === 500);
        if (shaped) faults.push(code);
        return shaped;
      },
    });
    expect(terminated).toBeGreaterThan(0);
    // The server stays up (its stderr tells why if not).
    expect(a.process.exitCode, a.stderr()).toBe(null);
    // Every failure was a 5xx in AWS's shape (a hang or a dropped connection would be listed here).
    expect(acked.refused).toEqual([]);
    expect(faults.length).toBeGreaterThan(0);
    expect(a.process.exitCode).toBe(null);
    expect(b.process.exitCode).toBe(null);

    // It recovers by itself: the next requests succeed.
    const iam = iamClient(a.url, root);
    for (let i = 0; i < 10; i++) await iam.send(new CreateUserCommand({ UserName: `after-${i}` }));
    expect(await orphans(db.url)).toEqual(NO_ORPHANS);
    await verify(a.url, root, acked);

    // The change feed: B hears A's writes at once, before its caches' 5 s max age, both before and
    // after every backend (LISTEN connections included) was terminated.
    await iam.send(new CreateUserCommand({ UserName: 'watched' }));
    const made = (await iam.send(new CreateAccessKeyCommand({ UserName: 'watched' }))).AccessKey!;
    const key = { accessKeyId: made.AccessKeyId!, secretAccessKey: made.SecretAccessKey! };
    const sts = stsClient(b.url, key);
    const works = async () => {
      try {
        await sts.send(new GetCallerIdentityCommand({}));
        return true;
      } catch (error) {
        expect(outcome(error).status).toBe(403);
        return false;
      }
    };
    /** Answers how long B took to see A deactivate the key, once B has the key cached as active. */
    const heard = async (): Promise<number> => {
      await iam.send(new UpdateAccessKeyCommand({ UserName: 'watched', AccessKeyId: key.accessKeyId, Status: 'Active' }));
      const activated = Date.now();
      while (!(await works())) {
        expect(Date.now() - activated).toBeLessThan(10_000);
        await sleep(50);
      }
      await iam.send(new UpdateAccessKeyCommand({ UserName: 'watched', AccessKeyId: key.accessKeyId, Status: 'Inactive' }));
      while (await works()) {
        if (Date.now() - activated > 10_000) break;
        await sleep(50);
      }
      return Date.now() - activated;
    };
    expect(await heard()).toBeLessThan(4_000);
    expect(await terminateAll(db.name)).toBeGreaterThanOrEqual(2);
    // Both nodes LISTEN again within a bounded time, on new connections: a terminated backend stays
    // in pg_stat_activity for a moment after it was signalled, and must not be counted.
    const terminatedAt = (await admin.query<{ t: Date }>('SELECT clock_timestamp() AS t')).rows[0]!.t;
    const deadline = Date.now() + 10_000;
    const listeners = async () =>
      Number((await admin.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %' AND backend_start > $2", [db.name, terminatedAt])).rows[0]!.n);
    while ((await listeners()) < 2 && Date.now() < deadline) await sleep(100);
    expect(await listeners()).toBe(2);
    expect(await heard()).toBeLessThan(4_000);

    // A change made while the listeners are gone is never notified: once back, a node drops what it
    // cached instead of serving it until the caches' 5 s max age.
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'watched', AccessKeyId: key.accessKeyId, Status: 'Active' }));
    while (!(await works())) await sleep(50);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %'", [db.name]);
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'watched', AccessKeyId: key.accessKeyId, Status: 'Inactive' }));
    const deactivated = Date.now();
    while ((await works()) && Date.now() - deactivated < 10_000) await sleep(50);
    expect(Date.now() - deactivated).toBeLessThan(3_000);
    sts.destroy();
    iam.destroy();
    expect(a.stderr()).not.toMatch(/internal error|Unhandled|uncaught/i);
    expect(b.stderr()).not.toMatch(/internal error|Unhandled|uncaught/i);
  }, 240_000);
});
