/**
 * Console passwords: scrypt hashes that carry their parameters, and the account password policy
 * (IAM UG, "Set an account password policy for IAM users").
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Db } from '../store/store.js';
import { PasswordPolicyViolation } from './errors.js';

// N = 2^15, r = 8, p = 1: about 32 MiB and tens of milliseconds per hash. The parameters are stored
// with each hash, so raising them later leaves existing hashes verifiable.
const COST = 2 ** 15;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

function derive(password: string, salt: Buffer, options: ScryptOptions, length: number): Promise<Buffer> {
  // maxmem must exceed 128·N·r, which is exactly the default at N = 2^15, r = 8.
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, { ...options, maxmem: 256 * (options.N ?? COST) * (options.r ?? BLOCK_SIZE) }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hashes a password as `scrypt$N$r$p$salt$hash` (salt and hash in base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, { N: COST, r: BLOCK_SIZE, p: PARALLELISM }, KEY_LENGTH);
  return ['scrypt', COST, BLOCK_SIZE, PARALLELISM, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether a password matches a hash made by hashPassword; compares in constant time. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = encoded.split('$');
  if (scheme !== 'scrypt' || n === undefined || r === undefined || p === undefined || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) }, expected.length);
  return timingSafeEqual(actual, expected);
}

/** The rules of an account password policy that a new password must meet (the PasswordPolicy shape). */
interface PasswordRules {
  readonly MinimumPasswordLength: number;
  readonly RequireSymbols: boolean;
  readonly RequireNumbers: boolean;
  readonly RequireUppercaseCharacters: boolean;
  readonly RequireLowercaseCharacters: boolean;
}

// The symbols AWS counts (IAM API, "UpdateAccountPasswordPolicy": RequireSymbols).
const SYMBOLS = /[!@#$%^&*()_+\-=[\]{}|']/;
const NUMBERS = /[0-9]/;
const UPPERCASE = /[A-Z]/;
const LOWERCASE = /[a-z]/;

/** AWS's default policy, when the account has none: 8 characters and three of the four kinds. */
const DEFAULT_MINIMUM_LENGTH = 8;
const DEFAULT_KINDS_REQUIRED = 3;
/** A custom policy without MinimumPasswordLength means 6 (IAM API, "UpdateAccountPasswordPolicy"). */
const CUSTOM_DEFAULT_MINIMUM_LENGTH = 6;

function readRules(json: string): PasswordRules {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    raw = {};
  }
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const flag = (key: string) => record[key] === true;
  const length = record['MinimumPasswordLength'];
  return {
    MinimumPasswordLength: typeof length === 'number' && Number.isInteger(length) ? length : CUSTOM_DEFAULT_MINIMUM_LENGTH,
    RequireSymbols: flag('RequireSymbols'),
    RequireNumbers: flag('RequireNumbers'),
    RequireUppercaseCharacters: flag('RequireUppercaseCharacters'),
    RequireLowercaseCharacters: flag('RequireLowercaseCharacters'),
  };
}

/**
 * Refuses, with PasswordPolicyViolation, a password that the account's policy (or, without one,
 * AWS's default policy) does not allow.
 */
export async function checkPasswordPolicy(db: Db, accountId: string, password: string): Promise<void> {
  const account = await db.selectFrom('accounts').select(['password_policy', 'alias']).where('id', '=', accountId).executeTakeFirst();
  const policy = account?.password_policy;
  if (policy === null || policy === undefined) {
    // The default policy (IAM UG, "Set an account password policy for IAM users"): at least 8
    // characters, three of uppercase, lowercase, numbers and symbols, not the account's name.
    if (password.length < DEFAULT_MINIMUM_LENGTH) throw new PasswordPolicyViolation(`Password should have a minimum length of ${DEFAULT_MINIMUM_LENGTH}`);
    const kinds = [UPPERCASE, LOWERCASE, NUMBERS, /[^A-Za-z0-9]/].filter((kind) => kind.test(password)).length;
    if (kinds < DEFAULT_KINDS_REQUIRED) {
      throw new PasswordPolicyViolation('Password should include at least three of the following: uppercase letters, lowercase letters, numbers and symbols');
    }
    if (password === accountId || (account?.alias && password.toLowerCase() === account.alias.toLowerCase())) {
      throw new PasswordPolicyViolation('Password should not be identical to the account name');
    }
    return;
  }
  const rules = readRules(policy);
  if (password.length < rules.MinimumPasswordLength) throw new PasswordPolicyViolation(`Password should have a minimum length of ${rules.MinimumPasswordLength}`);
  if (rules.RequireLowercaseCharacters && !LOWERCASE.test(password)) throw new PasswordPolicyViolation('Password should have at least one lowercase letter');
  if (rules.RequireUppercaseCharacters && !UPPERCASE.test(password)) throw new PasswordPolicyViolation('Password should have at least one uppercase letter');
  if (rules.RequireNumbers && !NUMBERS.test(password)) throw new PasswordPolicyViolation('Password should have at least one number');
  if (rules.RequireSymbols && !SYMBOLS.test(password)) throw new PasswordPolicyViolation('Password should have at least one symbol');
}

/** The most earlier passwords AWS's PasswordReusePrevention can name (IAM API, "UpdateAccountPasswordPolicy"). */
const MAX_REMEMBERED_PASSWORDS = 24;

/**
 * Refuses a new password that is the current one or one of the earlier ones the account's
 * PasswordReusePrevention counts (the current password is the first of them).
 */
export async function checkPasswordReuse(db: Db, accountId: string, userId: string, currentHash: string, password: string): Promise<void> {
  const account = await db.selectFrom('accounts').select('password_policy').where('id', '=', accountId).executeTakeFirst();
  const raw = account?.password_policy ? (JSON.parse(account.password_policy) as Record<string, unknown>) : {};
  const remembered = typeof raw['PasswordReusePrevention'] === 'number' ? raw['PasswordReusePrevention'] : 0;
  if (remembered <= 0) return;
  const earlier = await db.selectFrom('password_history').select('password_hash').where('user_id', '=', userId).orderBy('replaced_at', 'desc').limit(remembered - 1).execute();
  for (const hash of [currentHash, ...earlier.map((row) => row.password_hash)]) {
    if (await verifyPassword(password, hash)) throw new PasswordPolicyViolation(`Password should not be one of the last ${remembered} passwords used`);
  }
}

/** Remembers a password being replaced, keeping as many as any policy could ask about. */
export async function rememberPassword(db: Db, userId: string, replacedHash: string, now: string): Promise<void> {
  await db.insertInto('password_history').values({ user_id: userId, password_hash: replacedHash, replaced_at: now }).onConflict((c) => c.columns(['user_id', 'password_hash']).doUpdateSet({ replaced_at: now })).execute();
  const kept = await db.selectFrom('password_history').select('replaced_at').where('user_id', '=', userId).orderBy('replaced_at', 'desc').limit(1).offset(MAX_REMEMBERED_PASSWORDS - 1).executeTakeFirst();
  if (kept) await db.deleteFrom('password_history').where('user_id', '=', userId).where('replaced_at', '<', kept.replaced_at).execute();
}

/** Whether the account's password policy lets every IAM user change its own password (AllowUsersToChangePassword). */
export async function usersMayChangePasswords(db: Db, accountId: string): Promise<boolean> {
  const account = await db.selectFrom('accounts').select('password_policy').where('id', '=', accountId).executeTakeFirst();
  if (!account?.password_policy) return false;
  try {
    return (JSON.parse(account.password_policy) as Record<string, unknown>)['AllowUsersToChangePassword'] === true;
  } catch {
    return false;
  }
}

/** The account password policy's MaxPasswordAge in days, when it expires passwords (IAM API, "UpdateAccountPasswordPolicy"). */
export async function maxPasswordAge(db: Db, accountId: string): Promise<number | undefined> {
  const account = await db.selectFrom('accounts').select('password_policy').where('id', '=', accountId).executeTakeFirst();
  if (!account?.password_policy) return undefined;
  try {
    const age = (JSON.parse(account.password_policy) as Record<string, unknown>)['MaxPasswordAge'];
    return typeof age === 'number' && age > 0 ? age : undefined;
  } catch {
    return undefined;
  }
}

const DAY_MS = 86_400_000;

/**
 * When a password set at `setAt` expires: MaxPasswordAge days after it was last set, by
 * CreateLoginProfile, UpdateLoginProfile or ChangePassword (IAM UG, "Set an account password policy
 * for IAM users"); undefined when the policy does not expire passwords. The one expiry rule, which
 * the credential report's password_next_rotation shows.
 */
export function passwordExpiresAt(setAt: string, maxAgeDays: number | undefined): number | undefined {
  return maxAgeDays === undefined ? undefined : Date.parse(setAt) + maxAgeDays * DAY_MS;
}

/**
 * When each current password of the account's users was set, by user id. A replaced password is
 * remembered in password_history in the same transaction that stores its successor, so the latest
 * replaced_at is when the current password was set; a first password was set with its profile.
 */
export async function passwordsSetAt(db: Db, accountId: string, userId?: string): Promise<Map<string, string>> {
  let profiles = db
    .selectFrom('login_profiles')
    .innerJoin('users', 'users.id', 'login_profiles.user_id')
    .select(['login_profiles.user_id', 'login_profiles.created_at'])
    .where('users.account_id', '=', accountId);
  let replaced = db
    .selectFrom('password_history')
    .innerJoin('users', 'users.id', 'password_history.user_id')
    .select((eb) => ['password_history.user_id', eb.fn.max('password_history.replaced_at').as('last_replaced')])
    .where('users.account_id', '=', accountId)
    .groupBy('password_history.user_id');
  if (userId !== undefined) {
    profiles = profiles.where('users.id', '=', userId);
    replaced = replaced.where('users.id', '=', userId);
  }
  const [profileRows, replacedRows] = await Promise.all([profiles.execute(), replaced.execute()]);
  const lastReplaced = new Map(replacedRows.map((row) => [row.user_id, row.last_replaced]));
  // ISO instants compare as strings. History older than the profile belongs to a deleted earlier profile.
  return new Map(
    profileRows.map((row) => {
      const replacedAt = lastReplaced.get(row.user_id);
      return [row.user_id, replacedAt !== undefined && replacedAt > row.created_at ? replacedAt : row.created_at];
    }),
  );
}
