/**
 * RELIABILITY 45 and 53 on SQLite: the real server, SIGKILLed in the middle of a stream of
 * concurrent writes, restarts on the same data directory with the same master key, its file passes
 * `PRAGMA integrity_check`, every acknowledged write is there and whole, and nothing is
 * half-written. The kill moments are seeded.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, makeHome, type CliHome } from '../cli/cli.js';
import type { Credentials } from '../helpers/server.js';
import { seeded, startChild, type ChildServer } from './child.js';
import { drive, emptyAcked, ORPHAN_QUERIES, verify } from './workload.js';

const SEED = 45;
const ROUNDS = 3;

/** Checks a copy of the crashed files (the server must recover the original itself). */
function checkFileCopy(dataDir: string): void {
  const scratch = mkdtempSync(join(tmpdir(), 'deployport-crash-copy-'));
  try {
    for (const suffix of ['', '-wal', '-shm']) {
      const file = join(dataDir, `deployport.db${suffix}`);
      if (existsSync(file)) copyFileSync(file, join(scratch, `deployport.db${suffix}`));
    }
    const db = new SQLite(join(scratch, 'deployport.db'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      for (const [name, query] of Object.entries(ORPHAN_QUERIES)) expect((db.prepare(query).get() as { n: number }).n, name).toBe(0);
    } finally {
      db.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe('kill -9 mid-write on SQLite (RELIABILITY 45, 53)', () => {
  let home: CliHome;
  let server: ChildServer | undefined;

  beforeAll(async () => {
    await ensureBuilt();
    home = makeHome();
  }, 180_000);

  afterAll(async () => {
    await server?.kill();
    home?.cleanup();
  });

  it('keeps every acknowledged write, whole, across seeded kills', async () => {
    const dataDir = join(home.home, 'data');
    const random = seeded(SEED);
    server = await startChild(home, ['--data-dir', dataDir]);
    const admin: Credentials = server.root!;
    expect(admin).toBeDefined();
    const masterKey = readFileSync(join(dataDir, 'master.key'), 'utf8');
    const acked = emptyAcked();
    for (let round = 0; round < ROUNDS; round++) {
      const running: ChildServer = server;
      const target = 20 + Math.floor(random() * 100);
      const acks = await drive({ url: running.url, admin, prefix: `r${round}`, workers: 8, stopAfterAcks: target, onTarget: () => running.kill(), acked, isFault: (_code, status) => status === undefined });
      expect(acks).toBeGreaterThanOrEqual(target);
      expect(running.process.signalCode).toBe('SIGKILL');
      // Only the kill may fail a call: no refusal while the server ran.
      expect(acked.refused).toEqual([]);
      checkFileCopy(dataDir);
      // The same data directory: the lock and the WAL of the dead process must not stop the start.
      server = await startChild(home, ['--data-dir', dataDir]);
      expect(server.root).toBeUndefined();
      expect(readFileSync(join(dataDir, 'master.key'), 'utf8')).toBe(masterKey);
      await verify(server.url, admin, acked);
    }
    expect(acked.keys.length).toBeGreaterThan(0);
    expect(acked.versions.some((v) => v.versionId !== 'v1')).toBe(true);
    // A clean stop leaves a file that a second handle opens and finds whole.
    await server.stop();
    expect(server.process.exitCode).toBe(0);
    const db = new SQLite(join(dataDir, 'deployport.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect((db.prepare('SELECT count(*) AS n FROM users WHERE name = ?').get([...acked.users][0]) as { n: number }).n).toBe(1);
    } finally {
      db.close();
    }
    server = undefined;
  }, 240_000);
});
