/**
 * Issuing temporary credentials. A session is a row in the store: the ASIA… key id finds it, so
 * the key works with its secret alone and revocation is real; the session token is random and only
 * its SHA-256 is kept. Every STS operation that hands out credentials goes through `issueSession`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PolicyDescriptorType } from '@aws-sdk/client-sts';
import type { OperationContext, SessionInfo } from '../iam/context.js';
import { arn } from '../shared/arn.js';
import { PackedPolicyTooLarge } from './errors.js';
import { sessionPolicies } from './session-policies.js';
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

/** What a role session of the AssumeRole family is made of, besides its role. */
export interface RoleSessionSpec {
  readonly name: string;
  readonly durationSeconds: number;
  /** The request's inline session policy and managed session policy ARNs. */
  readonly policy?: string;
  readonly policyArns?: readonly PolicyDescriptorType[];
  readonly tags?: Readonly<Record<string, string>>;
  readonly transitiveTagKeys?: readonly string[];
  readonly sourceIdentity?: string;
  readonly chained?: boolean;
  readonly mfa?: boolean;
}

/**
 * Starts a session of a role, as AssumeRole, AssumeRoleWithWebIdentity and AssumeRoleWithSAML all
 * do once they have decided: the session policies read and packed (PackedPolicyTooLarge past the
 * quota), the session issued and the role's last use recorded in one transaction. Answers the
 * members their responses share.
 */
export async function startRoleSession(
  context: Pick<OperationContext, 'store' | 'clock' | 'sealer' | 'config' | 'requestContext'>,
  role: { readonly id: string; readonly name: string; readonly accountId: string },
  spec: RoleSessionSpec,
): Promise<{ Credentials: Credentials; AssumedRoleUser: { AssumedRoleId: string; Arn: string }; PackedPolicySize?: number }> {
  const { store, clock, config } = context;
  const policies = await sessionPolicies(store.db, role.accountId, spec.policy, spec.policyArns);
  const packed = Math.ceil((policies.size / 2048) * 100);
  if (packed > 100) throw new PackedPolicyTooLarge(`Packed policy consumes ${packed}% of allotted space, please use smaller policy for user.`);
  const credentials = await store.transaction(async (tx) => {
    const issued = await issueSession(tx, context, {
      kind: 'assumed-role',
      accountId: role.accountId,
      principalId: role.id,
      name: spec.name,
      durationSeconds: spec.durationSeconds,
      policies: policies.list,
      tags: spec.tags,
      transitiveTagKeys: spec.transitiveTagKeys,
      sourceIdentity: spec.sourceIdentity,
      chained: spec.chained,
      mfa: spec.mfa,
    });
    const region = String(context.requestContext['aws:RequestedRegion'] ?? config.region);
    await tx.updateTable('roles').set({ last_used_at: new Date(clock.now()).toISOString(), last_used_region: region }).where('id', '=', role.id).execute();
    return issued;
  });
  return {
    Credentials: credentials,
    AssumedRoleUser: { AssumedRoleId: `${role.id}:${spec.name}`, Arn: arn(config.partition, 'sts', '', role.accountId, `assumed-role/${role.name}/${spec.name}`) },
    ...(policies.list.length > 0 && { PackedPolicySize: packed }),
  };
}
