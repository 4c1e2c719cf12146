/**
 * `deployport configure`: write credentials and settings into the active profile, from flags or,
 * with none, by asking (the secret without echo); `configure list` shows what is in force and where
 * each value came from.
 */
import { homedir } from 'node:os';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { UsageError } from './errors.js';
import { withExample } from './operations.js';
import { mask, profileFiles, profileName, resolveProfile, writeProfile, type ProfileUpdate } from './profiles.js';
import { runtimeFor, type GlobalOptions } from './runtime.js';

interface ConfigureFlags {
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
  sessionToken?: string;
  endpoint?: string;
}

// The server's accessKeyIdType: 16-128 word characters.
const KEY_ID = /^\w{16,128}$/;
const REGION = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A path with the home folder as `~`, for messages that are the same on every machine. */
export function tilde(path: string): string {
  const home = process.env['HOME'] ?? homedir();
  return home && path.startsWith(home) ? `~${path.slice(home.length)}` : path;
}

function check(flags: ConfigureFlags): void {
  if (flags.accessKeyId !== undefined && !KEY_ID.test(flags.accessKeyId)) throw new UsageError(`invalid access key id "${flags.accessKeyId}": 16 to 128 letters and digits, e.g. AKIA… or ASIA…`);
  if (flags.secretAccessKey !== undefined && flags.secretAccessKey.trim() === '') throw new UsageError('the secret access key must not be empty');
  if (flags.region !== undefined && !REGION.test(flags.region)) throw new UsageError(`invalid region "${flags.region}": lower-case letters, digits and dashes, e.g. us-nyc`);
  if (flags.endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(flags.endpoint);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol)) throw new UsageError(`invalid endpoint "${flags.endpoint}": use http(s)://host:port`);
  }
}

/**
 * The update for a profile. A new key id without a token drops the old token (it belonged to the
 * old key); the same key id keeps it, so re-entering the keys of a session breaks nothing.
 */
export function profileUpdate(flags: ConfigureFlags, currentKeyId: string | undefined): ProfileUpdate {
  const update: ProfileUpdate = {};
  if (flags.accessKeyId !== undefined) update.access_key_id = flags.accessKeyId;
  if (flags.secretAccessKey !== undefined) update.secret_access_key = flags.secretAccessKey;
  if (flags.sessionToken !== undefined) update.session_token = flags.sessionToken === '' ? null : flags.sessionToken;
  else if (flags.accessKeyId !== undefined && flags.accessKeyId !== currentKeyId) {
    update.session_token = null;
    update.expiration = null;
  }
  if (flags.region !== undefined) update.region = flags.region;
  if (flags.endpoint !== undefined) update.endpoint = flags.endpoint.replace(/\/+$/, '');
  return update;
}

/** Asks for each value, showing the current one; Enter keeps it. The secret is not echoed. */
async function ask(current: ReturnType<typeof resolveProfile>): Promise<ConfigureFlags> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      if (!muted) process.stdout.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: Boolean(process.stdin.isTTY) });
  const lines = rl[Symbol.asyncIterator]();
  const question = async (label: string, shown: string, hidden = false): Promise<string | undefined> => {
    process.stdout.write(`${label} [${shown}]: `);
    muted = hidden;
    const next = await lines.next();
    muted = false;
    if (hidden || !process.stdin.isTTY) process.stdout.write('\n');
    const answer = next.done ? '' : String(next.value).trim();
    return answer === '' ? undefined : answer;
  };
  try {
    return {
      accessKeyId: await question('Access Key ID', mask(current.accessKeyId.value)),
      secretAccessKey: await question('Secret Access Key', mask(current.secretAccessKey.value), true),
      region: await question('Region', current.region.value ?? ''),
      endpoint: await question('Endpoint', current.endpoint.value ?? ''),
    };
  } finally {
    rl.close();
  }
}

/** Registers `configure` and `configure list`. */
export function addConfigure(program: Command): void {
  const configure = program
    .command('configure')
    .description('Set the credentials and settings of a profile (the active one: --profile, DEPLOYPORT_PROFILE, or default). With no flags, asks for each.')
    .option('-i, --access-key-id <id>', 'the access key id (AKIA… or ASIA…)')
    .option('-k, --secret-access-key <secret>', 'the secret access key')
    .option('-r, --region <region>', 'the region to sign for, e.g. us-nyc')
    .option('-t, --session-token <token>', 'the session token of temporary credentials ("" removes it; optional: the server knows a temporary key by its id)')
    .option('-e, --endpoint <url>', 'the server, e.g. http://127.0.0.1:4566')
    .action(async (flags: ConfigureFlags, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions & ConfigureFlags>();
      const { name } = profileName(globals.profile);
      const files = profileFiles();
      // The profile as its files have it: environment overrides are not what gets rewritten.
      const fileOnly = { HOME: process.env['HOME'] };
      const current = resolveProfile(name, fileOnly);
      const given = Object.values(flags).some((v) => v !== undefined) ? flags : await ask(resolveProfile(globals.profile));
      check(given);
      const update = profileUpdate(given, current.accessKeyId.value);
      if (Object.keys(update).length === 0) {
        process.stdout.write(`Profile "${name}" unchanged.\n`);
        return;
      }
      writeProfile(name, update, files);
      const saved = resolveProfile(name, fileOnly);
      process.stdout.write(
        `Saved profile "${name}" (access key ${saved.accessKeyId.value ?? '<not set>'}, region ${saved.region.value ?? ''}, endpoint ${saved.endpoint.value ?? ''}) in ${tilde(files.credentials)} and ${tilde(files.config)}.\n`,
      );
    });
  withExample(configure, 'deployport configure -i AKIAIOSFODNN7EXAMPLE -k wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY -r us-nyc', 'DEPLOYPORT_PROFILE=temp-role deployport configure -e http://127.0.0.1:4566', 'deployport configure   # asks for each value');

  const list = configure
    .command('list')
    .description('Show the active profile: each value (secrets masked) and where it came from.')
    .action((_flags: object, command: Command) => {
      const runtime = runtimeFor(command);
      const p = runtime.profile;
      const rows = [
        { Name: 'profile', Value: p.name, Source: p.nameSource },
        { Name: 'access_key_id', Value: mask(p.accessKeyId.value), Source: p.accessKeyId.source },
        { Name: 'secret_access_key', Value: mask(p.secretAccessKey.value), Source: p.secretAccessKey.source },
        { Name: 'session_token', Value: mask(p.sessionToken.value), Source: p.sessionToken.source },
        ...(p.expiration.value ? [{ Name: 'expiration', Value: p.expiration.value, Source: p.expiration.source }] : []),
        { Name: 'region', Value: p.region.value ?? '', Source: p.region.source },
        { Name: 'endpoint', Value: p.endpoint.value ?? '', Source: p.endpoint.source },
      ].map((row) => ({ ...row, Source: tilde(row.Source) }));
      runtime.print({ Profile: rows }, { rows: 'Profile', columns: ['Name', 'Value', 'Source'] });
    });
  withExample(list, 'deployport configure list', 'deployport --profile temp-role configure list --output json');
}
