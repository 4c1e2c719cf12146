/**
 * The server's configuration: flags over environment variables over defaults. With nothing set it
 * listens on 127.0.0.1:4566 and keeps an embedded SQLite database under ~/.deployport/data.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** `postgres://…` to use PostgreSQL; undefined for the embedded SQLite. */
  readonly databaseUrl: string | undefined;
  readonly partition: string;
  readonly region: string;
  /** The master key for secrets at rest, base64 (32 bytes); undefined to use the key file in dataDir. */
  readonly masterKey: string | undefined;
  /** The AWS CLI credentials file the bootstrap writes the administrator's key to. */
  readonly credentialsFile: string;
  /** The AWS CLI config file the bootstrap writes the default region and endpoint to. */
  readonly configFile: string;
  /** Service principals that workload tokens may name (DEPLOYPORT_SERVICE_PRINCIPALS, comma-separated). */
  readonly servicePrincipals: readonly string[];
}

/** The service principals of Deployport's own compute services, when none are configured. */
export const DEFAULT_SERVICE_PRINCIPALS = ['compute.deployport.internal', 'functions.deployport.internal'] as const;

/** Flags as the CLI parses them; each overrides its environment variable. */
export type ConfigFlags = Partial<Pick<ServerConfig, 'host' | 'port' | 'dataDir' | 'databaseUrl' | 'partition' | 'region'>>;

/** Reads the configuration from flags and the environment. */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const home = env['HOME'] ?? homedir();
  const port = flags.port ?? Number(env['DEPLOYPORT_PORT'] ?? 4566);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid port: ${String(flags.port ?? env['DEPLOYPORT_PORT'])}`);
  return {
    host: flags.host ?? env['DEPLOYPORT_HOST'] ?? '127.0.0.1',
    port,
    dataDir: flags.dataDir ?? env['DEPLOYPORT_DATA_DIR'] ?? join(home, '.deployport', 'data'),
    databaseUrl: flags.databaseUrl ?? env['DEPLOYPORT_DATABASE_URL'] ?? undefined,
    partition: flags.partition ?? env['DEPLOYPORT_PARTITION'] ?? 'aws',
    region: flags.region ?? env['DEPLOYPORT_REGION'] ?? 'us-east-1',
    masterKey: env['DEPLOYPORT_MASTER_KEY'] ?? undefined,
    credentialsFile: env['AWS_SHARED_CREDENTIALS_FILE'] ?? join(home, '.aws', 'credentials'),
    configFile: env['AWS_CONFIG_FILE'] ?? join(home, '.aws', 'config'),
    servicePrincipals: (env['DEPLOYPORT_SERVICE_PRINCIPALS'] ?? DEFAULT_SERVICE_PRINCIPALS.join(','))
      .split(',')
      .map((p) => p.trim().toLowerCase())
      .filter((p) => p !== ''),
  };
}
