/**
 * Issuing temporary credentials. A session is a row in the store: the ASIA… key id finds it, so
 * the key works with its secret alone and revocation is real; the session token is random and only
 * its SHA-256 is kept. Every STS operation that hands out credentials goes through `issueSession`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { OperationContext, SessionInfo } from '../iam/context.js';
import { newId, newSecretAccessKey } from '../shared/ids.js';
import type { Db } from '../store/store.js';
import type { SessionsTable } from '../store/schema.js';

/** What a new session is. */
export interface SessionSpec {
  readonly kind: SessionsTable['kind'];
  readonly accountId: string;
  /** The role (assumed-role) or the user (session-token, federated-user). */
  readonly principalId: string;
  readonly name: string;
  readonly durationSeconds: number;
  readonly policies?: SessionInfo['policies'];
  readonly tags?: Readonly<Record<string, string>>;
  readonly transitiveTagKeys?: readonly string[];
  readonly sourceIdentity?: string;
  readonly chained?: boolean;
  readonly mfa?: boolean;
}

/** Temporary credentials as STS returns them. */
export interface Credentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: Date;
}

/** Creates a session and returns its credentials; the secret and token are shown only here. */
export async function issueSession(db: Db, context: Pick<OperationContext, 'clock' | 'sealer'>, spec: SessionSpec): Promise<Credentials> {
  const now = context.clock.now();
  const expiration = new Date(now + spec.durationSeconds * 1000);
  const credentials: Credentials = {
    AccessKeyId: newId('temporaryAccessKey'),
    SecretAccessKey: newSecretAccessKey(),
    // Opaque to clients, as AWS's are; long enough that guessing one is hopeless.
    SessionToken: 'DPst' + randomBytes(96).toString('base64'),
    Expiration: expiration,
  };
  await db
    .insertInto('sessions')
    .values({
      access_key_id: credentials.AccessKeyId,
      account_id: spec.accountId,
      kind: spec.kind,
      principal_id: spec.principalId,
      session_name: spec.name,
      secret_sealed: context.sealer.seal(credentials.SecretAccessKey),
      token_hash: createHash('sha256').update(credentials.SessionToken).digest('hex'),
      issued_at: new Date(now).toISOString(),
      expires_at: expiration.toISOString(),
      policies: JSON.stringify(spec.policies ?? []),
      tags: JSON.stringify(spec.tags ?? {}),
      transitive_tag_keys: JSON.stringify(spec.transitiveTagKeys ?? []),
      source_identity: spec.sourceIdentity ?? null,
      chained: spec.chained ? 1 : 0,
      mfa: spec.mfa ? 1 : 0,
    })
    .execute();
  // Expired sessions are of no use to anyone: sweep a few whenever a new one is made.
  await db.deleteFrom('sessions').where('expires_at', '<', new Date(now - 3600_000).toISOString()).execute();
  return credentials;
}
