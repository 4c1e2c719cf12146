/**
 * SSH public keys of IAM users, as CodeCommit uses them (IAM API Reference, "UploadSSHPublicKey"
 * and neighbours): ssh-rsa (2048 bits or more) and ssh-ed25519 keys, in OpenSSH's one-line form or
 * as PEM, at most five per user.
 */
import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type {
  DeleteSSHPublicKeyRequest,
  GetSSHPublicKeyRequest,
  GetSSHPublicKeyResponse,
  ListSSHPublicKeysRequest,
  ListSSHPublicKeysResponse,
  SSHPublicKey,
  UpdateSSHPublicKeyRequest,
  UploadSSHPublicKeyRequest,
  UploadSSHPublicKeyResponse,
} from '@aws-sdk/client-iam';
import type { Selectable } from 'kysely';
import { newId } from '../shared/ids.js';
import { pageOf, type Row } from '../store/repos/named-entities.js';
import type { SshPublicKeysTable } from '../store/schema.js';
import { isUniqueViolation, type Db } from '../store/store.js';
import { targetUserName } from './access-keys.js';
import type { Handler, Input } from './context.js';
import { DuplicateSSHPublicKey, InvalidInput, InvalidPublicKey, LimitExceeded, NoSuchEntity, UnrecognizedPublicKeyEncoding } from './errors.js';
import { assertSettableStatus } from './status.js';
import { pageRequest, pageResponse } from './paging.js';
import { requireUser } from './users.js';

/** SSH public keys a user may hold (IAM UG, "IAM and AWS STS quotas"). */
export const SSH_PUBLIC_KEYS_PER_USER = 5;
/** The shortest RSA key AWS takes (IAM API, "UploadSSHPublicKey": "The minimum bit-length of the public key is 2048 bits"). */
export const MIN_RSA_BITS = 2048;

const SUPPORTED = ['ssh-rsa', 'ssh-ed25519'] as const;
type KeyType = (typeof SUPPORTED)[number];

type KeyRow = Selectable<SshPublicKeysTable>;

/** A parsed SSH public key: its type, its SSH wire-format blob and the key itself. */
export interface SshKey {
  readonly type: KeyType;
  readonly blob: Buffer;
  readonly key: KeyObject;
}

const invalid = () => new InvalidPublicKey('The public key is not a valid SSH public key; it must be in ssh-rsa or ssh-ed25519 format, or PEM.');
const unrecognized = (type: string) => new UnrecognizedPublicKeyEncoding(`The public key encoding ${type} is not supported; use ssh-rsa or ssh-ed25519.`);

function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function mpint(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return sshString((trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.of(0), trimmed]) : trimmed);
}

/** The SSH wire format (RFC 4253 §6.6, RFC 8709) of an RSA or Ed25519 public key, from its JWK. */
export function sshBlob(key: KeyObject): { type: KeyType; blob: Buffer } {
  const jwk: JsonWebKey = key.export({ format: 'jwk' });
  if (key.asymmetricKeyType === 'rsa' && jwk.e !== undefined && jwk.n !== undefined) {
    return { type: 'ssh-rsa', blob: Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(Buffer.from(jwk.e, 'base64url')), mpint(Buffer.from(jwk.n, 'base64url'))]) };
  }
  if (key.asymmetricKeyType === 'ed25519' && jwk.x !== undefined) {
    return { type: 'ssh-ed25519', blob: Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(Buffer.from(jwk.x, 'base64url'))]) };
  }
  throw unrecognized(key.asymmetricKeyType ?? 'unknown');
}

/** Reads the length-prefixed strings of a wire-format blob, or undefined if it is cut short or has bytes left over. */
function readStrings(blob: Buffer, count: number): Buffer[] | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(offset);
    if (offset + 4 + length > blob.length) return undefined;
    parts.push(blob.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return offset === blob.length ? parts : undefined;
}

function fromOpenSsh(type: string, base64: string): KeyObject {
  if (!(SUPPORTED as readonly string[]).includes(type)) {
    // A well-formed line of another algorithm (ecdsa-sha2-nistp256, ssh-dss, sk-…) is unrecognized; anything else is garbage.
    if (/^(ssh|ecdsa|sk)-[a-z0-9@.-]+$/.test(type) && /^[A-Za-z0-9+/]+=*$/.test(base64)) throw unrecognized(type);
    throw invalid();
  }
  if (!/^[A-Za-z0-9+/]+=*$/.test(base64)) throw invalid();
  const blob = Buffer.from(base64, 'base64');
  const parts = readStrings(blob, type === 'ssh-rsa' ? 3 : 2);
  if (!parts || parts[0]?.toString('latin1') !== type) throw invalid();
  const jwk: JsonWebKey =
    type === 'ssh-rsa'
      ? { kty: 'RSA', e: (parts[1] as Buffer).toString('base64url'), n: stripZero(parts[2] as Buffer).toString('base64url') }
      : { kty: 'OKP', crv: 'Ed25519', x: (parts[1] as Buffer).toString('base64url') };
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    throw invalid();
  }
}

function stripZero(bytes: Buffer): Buffer {
  return bytes[0] === 0 ? bytes.subarray(1) : bytes;
}

/**
 * Parses a key as UploadSSHPublicKey takes it: InvalidPublicKey for text that is no key (or an RSA
 * key under 2048 bits), UnrecognizedPublicKeyEncoding for a key of another algorithm.
 */
export function parseSshPublicKey(text: string): SshKey {
  const trimmed = text.trim();
  let key: KeyObject;
  if (trimmed.startsWith('-----BEGIN')) {
    try {
      key = createPublicKey({ key: trimmed, format: 'pem' });
    } catch {
      throw invalid();
    }
  } else {
    const [type = '', base64 = ''] = trimmed.split(/\s+/);
    key = fromOpenSsh(type, base64);
  }
  const { type, blob } = sshBlob(key);
  if (type === 'ssh-rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw new InvalidPublicKey(`The public key must be at least ${MIN_RSA_BITS} bits long.`);
  }
  return { type, blob, key };
}

/** AWS's fingerprint of an SSH key: the MD5 digest of its wire format, as colon-separated hex. */
export function sshFingerprint(blob: Buffer): string {
  return (createHash('md5').update(blob).digest('hex').match(/../g) ?? []).join(':');
}

function openSshLine(key: SshKey): string {
  return `${key.type} ${key.blob.toString('base64')}`;
}

async function requireKey(db: Db, user: Row<'users'>, id: string): Promise<KeyRow> {
  const row = await db.selectFrom('ssh_public_keys').selectAll().where('id', '=', id).where('user_id', '=', user.id).executeTakeFirst();
  if (!row) throw new NoSuchEntity(`The Public Key with id ${id} cannot be found.`);
  return row;
}

function toKey(user: Row<'users'>, row: KeyRow, body: string): SSHPublicKey {
  return { UserName: user.name, SSHPublicKeyId: row.id, Fingerprint: row.fingerprint, SSHPublicKeyBody: body, Status: row.status, UploadDate: new Date(row.created_at) };
}

const duplicate = () => new DuplicateSSHPublicKey('The SSH public key is already associated with the specified IAM user.');

export const UploadSSHPublicKey: Handler<Input<UploadSSHPublicKeyRequest>, UploadSSHPublicKeyResponse> = async (input, context) => {
  const { store, caller, clock } = context;
  const parsed = parseSshPublicKey(input.SSHPublicKeyBody);
  const fingerprint = sshFingerprint(parsed.blob);
  try {
    return await store.transaction(async (tx) => {
      const user = await requireUser(tx, context, input.UserName);
      const held = await tx.selectFrom('ssh_public_keys').select(['id', 'fingerprint']).where('user_id', '=', user.id).execute();
      if (held.some((row) => row.fingerprint === fingerprint)) throw duplicate();
      if (held.length >= SSH_PUBLIC_KEYS_PER_USER) throw new LimitExceeded(`Cannot exceed quota for SSHPublicKeysPerUser: ${SSH_PUBLIC_KEYS_PER_USER}`);
      // Kept in OpenSSH form whichever form was uploaded; GetSSHPublicKey derives PEM from it.
      const row: KeyRow = {
        id: newId('sshPublicKey'),
        account_id: caller.accountId,
        user_id: user.id,
        body: openSshLine(parsed),
        fingerprint,
        status: 'Active',
        created_at: new Date(clock.now()).toISOString(),
      };
      await tx.insertInto('ssh_public_keys').values(row).execute();
      return { SSHPublicKey: toKey(user, row, row.body) };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate();
    throw error;
  }
};

export const GetSSHPublicKey: Handler<Input<GetSSHPublicKeyRequest>, GetSSHPublicKeyResponse> = async (input, context) => {
  const { db } = context.store;
  const user = await requireUser(db, context, input.UserName);
  const row = await requireKey(db, user, input.SSHPublicKeyId);
  const body = input.Encoding === 'PEM' ? (parseSshPublicKey(row.body).key.export({ type: 'spki', format: 'pem' }) as string) : row.body;
  return { SSHPublicKey: toKey(user, row, body) };
};

export const ListSSHPublicKeys: Handler<Input<ListSSHPublicKeysRequest>, ListSSHPublicKeysResponse> = async (input, context) => {
  const { db } = context.store;
  const user = await requireUser(db, context, targetUserName(context, input.UserName));
  const { limit, after } = pageRequest(input);
  let query = db.selectFrom('ssh_public_keys').selectAll().where('user_id', '=', user.id);
  if (after !== undefined) query = query.where('id', '>', after);
  const rows = await query.orderBy('id').limit(limit + 1).execute();
  const page = pageOf(rows, limit, (row) => row.id);
  return {
    SSHPublicKeys: page.items.map((row) => ({ UserName: user.name, SSHPublicKeyId: row.id, Status: row.status, UploadDate: new Date(row.created_at) })),
    ...pageResponse(page.next),
  };
};

export const UpdateSSHPublicKey: Handler<Input<UpdateSSHPublicKeyRequest>, void> = async (input, context) => {
  assertSettableStatus(input.Status);
  const status = input.Status;
  await context.store.transaction(async (tx) => {
    const user = await requireUser(tx, context, input.UserName);
    const row = await requireKey(tx, user, input.SSHPublicKeyId);
    await tx.updateTable('ssh_public_keys').set({ status }).where('id', '=', row.id).execute();
  });
};

export const DeleteSSHPublicKey: Handler<Input<DeleteSSHPublicKeyRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const user = await requireUser(tx, context, input.UserName);
    const row = await requireKey(tx, user, input.SSHPublicKeyId);
    await tx.deleteFrom('ssh_public_keys').where('id', '=', row.id).execute();
  });
};
