/**
 * The store port: a Kysely database over SQLite (embedded, the default) or PostgreSQL (for several
 * nodes), migrated on open, with transactions that are safe under concurrency on both.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type SqliteDatabase, type Transaction } from 'kysely';
import pg from 'pg';
import { ChangeFeed, CHANGE_CHANNEL } from './changes.js';
import { migrations } from './migrations.js';
import type { Database } from './schema.js';

/** A handle on the database that repositories take: the store itself or a transaction. */
export type Db = Kysely<Database> | Transaction<Database>;

/** The opened store. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  /** Versions of each account's state, for caches; shared by every node of a PostgreSQL store. */
  readonly changes: ChangeFeed;
  /**
   * Runs `fn` in a transaction. On PostgreSQL it is SERIALIZABLE and retried a bounded number of
   * times on a serialization failure, so quota checks and writes in `fn` see a consistent world;
   * SQLite has one writer at a time, which gives the same guarantee.
   */
  transaction<T>(fn: (tx: Transaction<Database>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…` for PostgreSQL; otherwise SQLite in `dataDir`. */
  readonly url?: string;
  /** Where the SQLite file lives. */
  readonly dataDir?: string;
  /** A PostgreSQL schema to use (created if missing): tests run each in a fresh one. */
  readonly schema?: string;
}

const SERIALIZATION_RETRIES = 10;

/** Opens (and migrates) the store the options name. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const store = options.url?.startsWith('postgres') ? openPostgres(options.url, options.schema) : openSqlite(options.dataDir ?? '.');
  try {
    if (store.dialect === 'postgres' && options.schema) {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(options.schema)}`.execute(store.db);
    }
    await migrate(store.db, store.dialect === 'postgres' ? options.schema : undefined);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

async function migrate(db: Kysely<Database>, schema: string | undefined): Promise<void> {
  // Kysely looks for its bookkeeping tables across schemas unless told which one is ours. Each
  // migration adds tables of its own, so one that lands with a lower number than one already run
  // may still run after it.
  const { error } = await new Migrator({ db, provider: migrations, allowUnorderedMigrations: true, ...(schema && { migrationTableSchema: schema }) }).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

function openSqlite(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const database = new SQLite(join(dataDir, 'deployport.db'));
  // One process owns the file: holding its lock for good spares every query the lock and unlock
  // system calls of a read transaction, and makes a second server on the same file fail at once.
  database.pragma('locking_mode = EXCLUSIVE');
  // WAL with synchronous=FULL: an acknowledged write survives a crash or a power loss.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return {
    db,
    dialect: 'sqlite',
    // One process owns an SQLite file: every write passes through this node.
    changes: new ChangeFeed(undefined, Infinity),
    transaction: (fn) => db.transaction().execute(fn),
    close: () => db.destroy(),
  };
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew, and preparing costs SQLite more than running a short query: keep
 * the prepared statements of the (few, fixed) query shapes the server issues.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string) {
      let statement = statements.get(text);
      if (!statement) {
        statement = database.prepare(text);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value as string);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

function openPostgres(url: string, schema: string | undefined): Store {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`Invalid schema name: ${schema}`);
  const pool = new pg.Pool({ connectionString: url, max: 10, ...(schema && { options: `-c search_path=${schema}` }) });
  // A pool that loses its server must not take the process down; the failed query reports it.
  pool.on('error', () => {});
  // The pool listens for errors only on idle clients. A backend terminated while its client is
  // checked out (inside a transaction, between two queries) emitted 'error' with no listener, and
  // that took the whole process down (RELIABILITY 47). The query in flight, or the next one, fails
  // with the error instead, the request answers 503, and the pool drops the broken client.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const changes = new ChangeFeed((accountId) => {
    pool.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, accountId]).catch(() => {});
  }, POSTGRES_CACHE_MAX_AGE_MS);
  const listener = listen(url, changes);
  return {
    db,
    dialect: 'postgres',
    changes,
    async transaction(fn) {
      for (let attempt = 0; ; attempt++) {
        let committing = false;
        try {
          return await db
            .transaction()
            .setIsolationLevel('serializable')
            .execute(async (tx) => {
              const result = await fn(tx);
              committing = true;
              return result;
            });
        } catch (error) {
          // A connection lost before COMMIT was sent committed nothing: the work is run again on
          // another connection (the pool drops the dead one). Lost during COMMIT, it may have
          // committed, and the failure is the client's to see.
          const lostBeforeCommit = !committing && storeFailureKind(error) === 'unavailable';
          if (attempt >= SERIALIZATION_RETRIES || !(isRetryable(error) || lostBeforeCommit)) throw error;
          // Jittered and growing: SERIALIZABLE on small tables locks whole relations, so writers
          // that collided once collide again if they all come back at once.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 10 * 2 ** attempt)));
        }
      }
    },
    async close() {
      await listener.close();
      await db.destroy();
    },
  };
}

/** Another node's write is seen within this bound even if its notification is lost. */
const POSTGRES_CACHE_MAX_AGE_MS = 5_000;

/**
 * A connection of its own that LISTENs for other nodes' changes. When it is lost (a PostgreSQL
 * restart, a terminated backend) it is opened again after a pause, and LISTENs again: before,
 * a lost listener stayed lost, and other nodes' writes were heard only through the caches' max age
 * for the rest of the process's life. Changes made while no listener was there are not replayed:
 * every cache entry is made again once it is back.
 */
function listen(url: string, changes: ChangeFeed): { close(): Promise<void> } {
  let closed = false;
  let current: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let reconnecting = false;
  const connect = async (): Promise<void> => {
    timer = undefined;
    if (closed) return;
    const client = new pg.Client({ connectionString: url });
    current = client;
    let lost = false;
    const reconnect = () => {
      if (lost) return;
      lost = true;
      void client.end().catch(() => {});
      if (!closed) timer = setTimeout(() => void connect(), LISTEN_RETRY_MS).unref();
    };
    client.on('error', reconnect);
    client.on('end', reconnect);
    client.on('notification', (message) => {
      if (message.channel === CHANGE_CHANNEL && message.payload) changes.heard(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
      // Notifications sent while no listener was there are lost: whatever was cached meanwhile
      // may be stale, so every entry is made again rather than waiting out the caches' max age.
      if (reconnecting) changes.heardAll();
      reconnecting = true;
      if (closed) await client.end().catch(() => {});
    } catch {
      reconnect();
    }
  };
  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await current?.end().catch(() => {});
    },
  };
}

const LISTEN_RETRY_MS = 500;

function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

/** PostgreSQL's serialization failure and deadlock: the transaction may simply run again. */
function isRetryable(error: unknown): boolean {
  const code = sqlState(error);
  return code === '40001' || code === '40P01';
}

/**
 * What a database failure means to a client: `conflict` when concurrent writers kept colliding
 * past the retries, `unavailable` when the database cannot be reached or written (it may recover);
 * undefined for anything else.
 */
export function storeFailureKind(error: unknown): 'conflict' | 'unavailable' | undefined {
  const code = sqlState(error);
  // pg's errors for a connection lost mid-transaction carry no code; Kysely's ROLLBACK on the dead
  // connection throws one of them in place of the 57P01, which made a terminated backend a 500
  // with an "internal error" logged instead of a 503 (RELIABILITY 47).
  if (code === undefined) return error instanceof Error && /^(Connection terminated|Client has encountered a connection error|Client was closed)/.test(error.message) ? 'unavailable' : undefined;
  if (isRetryable(error)) return 'conflict';
  if (/^(08|53|57P0)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'SQLITE_BUSY', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY'].some((c) => code.startsWith(c))) return 'unavailable';
  return undefined;
}

/** Whether an error is a UNIQUE or PRIMARY KEY violation, on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const code = sqlState(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Whether an error is a FOREIGN KEY violation, on either database. */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = sqlState(error);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
