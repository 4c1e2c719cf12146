/**
 * Profiles: named sets of credentials and settings in `~/.deployport/credentials` (mode 0600) and
 * `~/.deployport/config`, one INI section per profile name in each file. The profile is chosen by
 * `--profile`, then DEPLOYPORT_PROFILE, then `default`; DEPLOYPORT_* variables override the files.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { formatIni, parseIni, type IniSections } from '../shared/ini.js';

/** Where a profile lives. */
export interface ProfileFiles {
  readonly dir: string;
  readonly credentials: string;
  readonly config: string;
}

/** The files under the user's home (HOME, so tests and containers can move it). */
export function profileFiles(env: NodeJS.ProcessEnv = process.env): ProfileFiles {
  const dir = join(env['HOME'] ?? homedir(), '.deployport');
  return { dir, credentials: join(dir, 'credentials'), config: join(dir, 'config') };
}

/** The endpoint a profile without one talks to: `deployport server`'s default address. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4566';
/** The region a profile without one signs for. */
export const DEFAULT_REGION = 'us-east-1';

/** The keys of the credentials file, in the order they are written. */
export const CREDENTIAL_KEYS = ['access_key_id', 'secret_access_key', 'session_token', 'expiration'] as const;
/** The keys of the config file. */
export const CONFIG_KEYS = ['region', 'endpoint', 'output'] as const;
type CredentialKey = (typeof CREDENTIAL_KEYS)[number];
type ConfigKey = (typeof CONFIG_KEYS)[number];

/** A value and where it came from, as `configure list` shows it. */
export interface Setting {
  readonly value: string | undefined;
  readonly source: string;
}

/** The active profile with every value resolved. */
export interface ResolvedProfile {
  readonly name: string;
  readonly nameSource: string;
  readonly accessKeyId: Setting;
  readonly secretAccessKey: Setting;
  readonly sessionToken: Setting;
  readonly expiration: Setting;
  readonly region: Setting;
  readonly endpoint: Setting;
  readonly output: Setting;
}

function readSections(file: string): IniSections {
  return existsSync(file) ? parseIni(readFileSync(file, 'utf8')) : new Map();
}

/** The profile name: the flag, then DEPLOYPORT_PROFILE, then `default`. */
export function profileName(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { name: string; source: string } {
  if (flag) return { name: flag, source: '--profile' };
  const fromEnv = env['DEPLOYPORT_PROFILE'];
  if (fromEnv) return { name: fromEnv, source: 'env DEPLOYPORT_PROFILE' };
  return { name: 'default', source: 'default' };
}

/**
 * Resolves a profile. Credentials from the environment come as a set (key id, secret, token):
 * mixing an environment key with a file's session token would sign with a token of another key.
 */
export function resolveProfile(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, files = profileFiles(env)): ResolvedProfile {
  const { name, source: nameSource } = profileName(flag, env);
  const credentials = readSections(files.credentials).get(name);
  const config = readSections(files.config).get(name);
  const envKeys = env['DEPLOYPORT_ACCESS_KEY_ID'] !== undefined && env['DEPLOYPORT_ACCESS_KEY_ID'] !== '';
  const fromCredentials = (key: CredentialKey, variable: string): Setting => {
    if (envKeys) return { value: env[variable] || undefined, source: env[variable] ? `env ${variable}` : 'not set' };
    const value = credentials?.get(key);
    return value ? { value, source: `${files.credentials} [${name}]` } : { value: undefined, source: 'not set' };
  };
  const fromConfig = (key: ConfigKey, variable: string, fallback?: string): Setting => {
    const fromEnv = env[variable];
    if (fromEnv) return { value: fromEnv, source: `env ${variable}` };
    const value = config?.get(key);
    if (value) return { value, source: `${files.config} [${name}]` };
    return fallback === undefined ? { value: undefined, source: 'not set' } : { value: fallback, source: 'default' };
  };
  return {
    name,
    nameSource,
    accessKeyId: fromCredentials('access_key_id', 'DEPLOYPORT_ACCESS_KEY_ID'),
    secretAccessKey: fromCredentials('secret_access_key', 'DEPLOYPORT_SECRET_ACCESS_KEY'),
    sessionToken: fromCredentials('session_token', 'DEPLOYPORT_SESSION_TOKEN'),
    expiration: envKeys ? { value: undefined, source: 'not set' } : fromCredentials('expiration', 'DEPLOYPORT_EXPIRATION'),
    region: fromConfig('region', 'DEPLOYPORT_REGION', DEFAULT_REGION),
    endpoint: fromConfig('endpoint', 'DEPLOYPORT_ENDPOINT', DEFAULT_ENDPOINT),
    output: fromConfig('output', 'DEPLOYPORT_OUTPUT'),
  };
}

/** Values to write into a profile; `null` removes a key, `undefined` leaves it alone. */
export type ProfileUpdate = Partial<Record<CredentialKey | ConfigKey, string | null>>;

/**
 * Writes values into one profile of both files, leaving every other profile and key as it was.
 * The credentials file (and its folder) are private to the user.
 */
export function writeProfile(name: string, update: ProfileUpdate, files: ProfileFiles = profileFiles()): void {
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  const apply = (file: string, keys: readonly (CredentialKey | ConfigKey)[], mode: number) => {
    if (!keys.some((key) => update[key] !== undefined)) return;
    const sections = readSections(file);
    const section = sections.get(name) ?? new Map<string, string>();
    for (const key of keys) {
      const value = update[key];
      if (value === null) section.delete(key);
      else if (value !== undefined) section.set(key, value);
    }
    sections.set(name, section);
    writeFileSync(file, formatIni(sections), { mode });
    chmodSync(file, mode); // an existing file keeps its mode on write: secrets must stay private
  };
  apply(files.credentials, CREDENTIAL_KEYS, 0o600);
  apply(files.config, CONFIG_KEYS, 0o644);
}

/** Whether a profile has credentials in the credentials file. */
export function hasProfile(name: string, files: ProfileFiles = profileFiles()): boolean {
  return readSections(files.credentials).has(name);
}

/** `****************WXYZ`: enough to recognize a key, not enough to use it. */
export function mask(value: string | undefined): string {
  if (!value) return '<not set>';
  return value.length <= 8 ? '****' : `${'*'.repeat(Math.min(16, value.length - 4))}${value.slice(-4)}`;
}
