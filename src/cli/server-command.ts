/**
 * `deployport server`: start the IAM and STS server. On first start it also gives the `deployport`
 * CLI a `default` profile with the administrator's key, so the quick start works with no setup.
 */
import { Command, InvalidArgumentError } from 'commander';
import { tilde } from './configure.js';
import { withExample } from './operations.js';
import { hasProfile, profileFiles, writeProfile, type ProfileFiles } from './profiles.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535).');
  return n;
}

/**
 * Writes the administrator's key, region and endpoint as the CLI's `default` profile, unless that
 * profile exists (it may belong to another server). Answers whether it wrote.
 */
export function writeCliDefaultProfile(key: { accessKeyId: string; secretAccessKey: string }, settings: { region: string; endpoint: string }, files: ProfileFiles = profileFiles()): boolean {
  if (hasProfile('default', files)) return false;
  writeProfile('default', { access_key_id: key.accessKeyId, secret_access_key: key.secretAccessKey, region: settings.region, endpoint: settings.endpoint }, files);
  return true;
}

/** Registers `server`. */
export function addServer(program: Command): void {
  const server = program
    .command('server')
    .description('Start the IAM and STS server (AWS Query protocol, SigV4).')
    .option('--host <host>', 'address to listen on (DEPLOYPORT_HOST)')
    .option('--port <port>', 'port to listen on (DEPLOYPORT_PORT)', port)
    .option('--data-dir <dir>', 'where the embedded SQLite database and the master key live (DEPLOYPORT_DATA_DIR)')
    .option('--database-url <url>', 'postgres://… to use PostgreSQL (DEPLOYPORT_DATABASE_URL)')
    .option('--partition <name>', 'ARN partition (DEPLOYPORT_PARTITION)')
    .option('--region <name>', 'region the server reports (DEPLOYPORT_REGION)')
    .action(async (flags: { host?: string; port?: number; dataDir?: string; databaseUrl?: string; partition?: string; region?: string }) => {
      // Loaded here: the other commands should not pay for the server's start-up imports.
      const { loadConfig } = await import('../server/config.js');
      const { startServer } = await import('../server/server.js');
      const config = loadConfig(flags);
      const server = await startServer(config);
      const lines = [`Deployport IAM listening on ${server.url} (${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`})`];
      const first = server.bootstrap;
      if (first) {
        const files = profileFiles();
        const wroteCli = writeCliDefaultProfile(first.admin, { region: config.region, endpoint: server.url }, files);
        lines.push(
          `Created account ${first.accountId}.`,
          `Account root credentials (shown once; keep them safe, they are not stored in any profile):`,
          `  Access key ID:     ${first.root.accessKeyId}`,
          `  Secret access key: ${first.root.secretAccessKey}`,
          `Administrator user "${first.admin.userName}" (AdministratorAccess), access key ${first.admin.accessKeyId}:`,
          server.wroteProfile
            ? `  written to the [default] profile of ${config.credentialsFile} (mode 0600), endpoint and region in ${config.configFile}.`
            : `  the [default] profile of ${config.credentialsFile} already exists and was left alone; secret access key: ${first.admin.secretAccessKey}`,
          wroteCli
            ? `  and to the deployport CLI's [default] profile (${tilde(files.credentials)}): try "deployport sts whoami".`
            : `  the deployport CLI's [default] profile (${tilde(files.credentials)}) already exists and was left alone.`,
        );
      }
      console.log(lines.join('\n'));
      const stop = () => {
        void server.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  withExample(server, 'deployport server --port 4566', 'DEPLOYPORT_DATABASE_URL=postgres://127.0.0.1/iam deployport server');
}
