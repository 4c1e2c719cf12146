/**
 * Starting the service: open (and migrate) the store, load the master key, make sure the
 * AWS-managed policies and, on first start, an account and its administrator exist, then listen.
 */
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../shared/clock.js';
import { createSealer } from '../shared/seal.js';
import { openStore, type Store } from '../store/store.js';
import { buildApp } from './app.js';
import { ensureManagementAccount } from '../iam/accounts.js';
import { bootstrapAccount, ensureAwsManagedPolicies, writeDefaultProfile, type BootstrapResult } from './bootstrap.js';
import type { ServerConfig } from './config.js';
import { accessKeyLookup } from './credentials.js';
import { loadMasterKey } from './master-key.js';

/** A running server. */
export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly store: Store;
  /** What the first start created, once; undefined on later starts. */
  readonly bootstrap: BootstrapResult | undefined;
  /** Whether the administrator's key was written to the AWS CLI's default profile. */
  readonly wroteProfile: boolean;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly clock?: Clock;
  /** PostgreSQL schema (tests run each in a fresh one). */
  readonly schema?: string;
  /** Write the admin key to the AWS CLI's default profile on first start (default true). */
  readonly writeProfile?: boolean;
}

/** Starts the server and resolves once it listens. */
export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const clock = options.clock ?? systemClock;
  const store = await openStore({ url: config.databaseUrl, dataDir: config.dataDir, schema: options.schema });
  try {
    const storeIsNew = (await store.db.selectFrom('accounts').select('id').limit(1).executeTakeFirst()) === undefined;
    const sealer = createSealer(loadMasterKey({ masterKey: config.masterKey, dataDir: config.dataDir, storeIsNew }));
    await checkMasterKey(store, sealer);
    await ensureAwsManagedPolicies(store, config.partition, clock);
    const bootstrap = await bootstrapAccount(store, { partition: config.partition, clock, sealer });
    // The first account administers the server (CreateAccount); recorded once, on any start.
    await ensureManagementAccount(store);
    const app = await buildApp({ store, clock, sealer, config, lookupKey: accessKeyLookup(store, sealer, config.partition, clock) });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    const wroteProfile = bootstrap !== undefined && options.writeProfile !== false
      ? writeDefaultProfile(config, bootstrap.admin, { region: config.region, endpoint: url })
      : false;
    return {
      url,
      app,
      store,
      bootstrap,
      wroteProfile,
      async close() {
        await app.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** A wrong master key must stop the start, not surface later as broken credentials. */
async function checkMasterKey(store: Store, sealer: ReturnType<typeof createSealer>): Promise<void> {
  const sample = await store.db.selectFrom('access_keys').select('secret_sealed').limit(1).executeTakeFirst();
  if (!sample) return;
  try {
    sealer.open(sample.secret_sealed);
  } catch {
    throw new Error('The master key does not open the secrets in this store. Refusing to start.');
  }
}
