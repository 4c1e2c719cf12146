/** Profiles: what `configure` writes, what it keeps, and where each value comes from. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileUpdate } from '../../src/cli/configure.js';
import { mask, profileFiles, resolveProfile, writeProfile } from '../../src/cli/profiles.js';

describe('profiles', () => {
  it('configure keeps the session token for the same key id and drops it for another key', () => {
    expect(profileUpdate({ accessKeyId: 'ASIAAAAAAAAAAAAAAAAA', secretAccessKey: 's', region: 'us-nyc' }, 'ASIAAAAAAAAAAAAAAAAA')).toEqual({ access_key_id: 'ASIAAAAAAAAAAAAAAAAA', secret_access_key: 's', region: 'us-nyc' });
    expect(profileUpdate({ accessKeyId: 'AKIABBBBBBBBBBBBBBBB', secretAccessKey: 's' }, 'ASIAAAAAAAAAAAAAAAAA')).toEqual({ access_key_id: 'AKIABBBBBBBBBBBBBBBB', secret_access_key: 's', session_token: null, expiration: null });
    expect(profileUpdate({ sessionToken: '' }, undefined)).toEqual({ session_token: null });
  });

  it('resolves the profile from the flag, then DEPLOYPORT_PROFILE, then default; the environment overrides the files', () => {
    const home = mkdtempSync(join(tmpdir(), 'deployport-profiles-'));
    try {
      const files = profileFiles({ HOME: home });
      writeProfile('work', { access_key_id: 'AKIAWORKWORKWORKWORK', secret_access_key: 'secret', session_token: 'token', region: 'us-nyc' }, files);
      expect(statSync(files.credentials).mode & 0o777).toBe(0o600);
      const fromEnvName = resolveProfile(undefined, { HOME: home, DEPLOYPORT_PROFILE: 'work' });
      expect(fromEnvName).toMatchObject({ name: 'work', nameSource: 'env DEPLOYPORT_PROFILE', region: { value: 'us-nyc' }, endpoint: { value: 'http://127.0.0.1:4566', source: 'default' } });
      expect(resolveProfile('other', { HOME: home, DEPLOYPORT_PROFILE: 'work' }).name).toBe('other');
      expect(resolveProfile(undefined, { HOME: home }).name).toBe('default');
      // Keys from the environment come as a set: the file's token belongs to the file's key.
      const env = resolveProfile('work', { HOME: home, DEPLOYPORT_ACCESS_KEY_ID: 'AKIAENVENVENVENVENVE', DEPLOYPORT_SECRET_ACCESS_KEY: 'x' });
      expect(env.sessionToken.value).toBeUndefined();
      expect(env.accessKeyId).toEqual({ value: 'AKIAENVENVENVENVENVE', source: 'env DEPLOYPORT_ACCESS_KEY_ID' });
      expect(mask('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe('****************EKEY');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
