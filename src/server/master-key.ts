/**
 * The master key that seals secrets at rest: from DEPLOYPORT_MASTER_KEY (base64, 32 bytes), or
 * from `master.key` in the data directory, generated with mode 0600 on first start. A store that
 * already holds secrets never gets a new key silently: without its key the server refuses to start.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Loads or creates the master key. `storeIsNew` allows creating one. */
export function loadMasterKey(options: { masterKey: string | undefined; dataDir: string; storeIsNew: boolean }): Uint8Array {
  if (options.masterKey !== undefined) return decode(options.masterKey, 'DEPLOYPORT_MASTER_KEY');
  const file = join(options.dataDir, 'master.key');
  if (existsSync(file)) return decode(readFileSync(file, 'utf8').trim(), file);
  if (!options.storeIsNew) {
    throw new Error(`The master key is missing (${file}, or DEPLOYPORT_MASTER_KEY), and the store already holds secrets sealed with it. Refusing to start.`);
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

function decode(text: string, where: string): Uint8Array {
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error(`The master key in ${where} must be 32 bytes, base64-encoded.`);
  return key;
}
