#!/usr/bin/env node
/**
 * `deployport`: the command line of Deployport IAM.
 * @example deployport server --port 4566
 */
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../server/config.js';
import { startServer } from '../server/server.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535).');
  return n;
}

const program = new Command('deployport').description('Deployport IAM: identities, policies and temporary credentials, AWS-compatible.');

program
  .command('server')
  .description('Start the IAM and STS server (AWS Query protocol, SigV4).')
  .option('--host <host>', 'address to listen on (DEPLOYPORT_HOST)')
  .option('--port <port>', 'port to listen on (DEPLOYPORT_PORT)', port)
  .option('--data-dir <dir>', 'where the embedded SQLite database and the master key live (DEPLOYPORT_DATA_DIR)')
  .option('--database-url <url>', 'postgres://… to use PostgreSQL (DEPLOYPORT_DATABASE_URL)')
  .option('--partition <name>', 'ARN partition (DEPLOYPORT_PARTITION)')
  .option('--region <name>', 'region the server reports (DEPLOYPORT_REGION)')
  .addHelpText('after', '\nExample:\n  deployport server --port 4566\n  DEPLOYPORT_DATABASE_URL=postgres://127.0.0.1/iam deployport server')
  .action(async (flags: { host?: string; port?: number; dataDir?: string; databaseUrl?: string; partition?: string; region?: string }) => {
    const config = loadConfig(flags);
    const server = await startServer(config);
    const lines = [`Deployport IAM listening on ${server.url} (${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`})`];
    const first = server.bootstrap;
    if (first) {
      lines.push(
        `Created account ${first.accountId}.`,
        `Account root credentials (shown once; keep them safe, they are not stored in any profile):`,
        `  Access key ID:     ${first.root.accessKeyId}`,
        `  Secret access key: ${first.root.secretAccessKey}`,
        `Administrator user "${first.admin.userName}" (AdministratorAccess), access key ${first.admin.accessKeyId}:`,
        server.wroteProfile
          ? `  written to the [default] profile of ${config.credentialsFile} (mode 0600), endpoint and region in ${config.configFile}.`
          : `  the [default] profile of ${config.credentialsFile} already exists and was left alone; secret access key: ${first.admin.secretAccessKey}`,
      );
    }
    console.log(lines.join('\n'));
    const stop = () => {
      void server.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`deployport: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
