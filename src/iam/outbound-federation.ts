/**
 * Outbound web identity federation: an account's principals obtain JWTs signed with the account's
 * own keys (STS GetWebIdentityToken), which outside services verify through the account's OpenID
 * discovery document and JSON Web Key Set (IAM API Reference, "EnableOutboundWebIdentityFederation",
 * "DisableOutboundWebIdentityFederation", "GetOutboundWebIdentityFederationInfo").
 *
 * An account's state is one JSON record in the settings table, under a key of its own: the issuer
 * fixed when the feature was first enabled, whether tokens may be vended, and one key pair per
 * signing algorithm the model allows (the private keys sealed, the public ones as JWKs). Disabling
 * keeps the record: tokens issued before stay verifiable until they expire, as AWS documents.
 */
import type { EnableOutboundWebIdentityFederationResponse, GetOutboundWebIdentityFederationInfoResponse } from '@aws-sdk/client-iam';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { defineError } from '../shared/service-error.js';
import { isUniqueViolation, type Db } from '../store/store.js';
import type { Handler, OperationContext } from './context.js';

// The model's errors of these operations (IAM API, each action's Errors); kept beside the only
// operations that answer them.
export const FeatureEnabled = defineError('FeatureEnabled', 409);
export const FeatureDisabled = defineError('FeatureDisabled', 404);

/** The algorithms GetWebIdentityToken signs with (STS API, "GetWebIdentityToken": SigningAlgorithm). */
export const SIGNING_ALGORITHMS = ['RS256', 'ES384'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** One signing key of an account. */
export interface FederationKey {
  readonly alg: SigningAlgorithm;
  readonly kid: string;
  /** The public key, as the JWKS publishes it. */
  readonly publicJwk: JWK;
  /** The private JWK as JSON text, sealed under the master key. */
  readonly privateSealed: string;
}

/** An account's outbound federation record. */
export interface OutboundFederation {
  readonly issuer: string;
  readonly enabled: boolean;
  readonly keys: readonly FederationKey[];
}

const settingsKey = (accountId: string): string => `outbound_web_identity_federation:${accountId}`;

/** The path under the server's URL where an account's issuer lives (its discovery routes hang below it). */
export const issuerPath = (accountId: string): string => `/accounts/${accountId}`;

/** An account's record, or undefined if the feature was never enabled. */
export async function outboundFederation(db: Db, accountId: string): Promise<OutboundFederation | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', settingsKey(accountId)).executeTakeFirst();
  // Only this module writes the record.
  return row ? (JSON.parse(row.value) as OutboundFederation) : undefined;
}

async function newKey(alg: SigningAlgorithm, context: OperationContext): Promise<FederationKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return { alg, kid, publicJwk: { ...publicJwk, kid, alg, use: 'sig' }, privateSealed: context.sealer.seal(JSON.stringify(privateJwk)) };
}

/**
 * The issuer of a newly enabled account: the URL the request reached the server at, plus the
 * account's path. It is fixed from then on, so that trust configured elsewhere keeps working.
 */
function issuerFor(context: OperationContext): string {
  const base = (context.endpoint ?? 'http://127.0.0.1:4566').replace(/\/+$/, '');
  return base + issuerPath(context.caller.accountId);
}

export const EnableOutboundWebIdentityFederation: Handler<object, EnableOutboundWebIdentityFederationResponse> = async (_input, context) => {
  const { caller, store } = context;
  const key = settingsKey(caller.accountId);
  const existing = await outboundFederation(store.db, caller.accountId);
  if (existing?.enabled) throw new FeatureEnabled('Outbound web identity federation is already enabled for this account.');
  // Keys are made outside the transaction (RSA generation takes a while); a racing enable loses below.
  const record: OutboundFederation = existing
    ? { ...existing, enabled: true }
    : { issuer: issuerFor(context), enabled: true, keys: await Promise.all(SIGNING_ALGORITHMS.map((alg) => newKey(alg, context))) };
  try {
    await store.transaction(async (tx) => {
      const current = await outboundFederation(tx, caller.accountId);
      if (current?.enabled) throw new FeatureEnabled('Outbound web identity federation is already enabled for this account.');
      if (current) await tx.updateTable('settings').set({ value: JSON.stringify({ ...current, enabled: true }) }).where('key', '=', key).execute();
      else await tx.insertInto('settings').values({ key, value: JSON.stringify(record) }).execute();
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new FeatureEnabled('Outbound web identity federation is already enabled for this account.');
    throw error;
  }
  return { IssuerIdentifier: (await outboundFederation(store.db, caller.accountId))?.issuer ?? record.issuer };
};

export const DisableOutboundWebIdentityFederation: Handler<object, void> = async (_input, context) => {
  const { caller, store } = context;
  await store.transaction(async (tx) => {
    const current = await outboundFederation(tx, caller.accountId);
    if (!current?.enabled) throw new FeatureDisabled('Outbound web identity federation is already disabled for this account.');
    await tx.updateTable('settings').set({ value: JSON.stringify({ ...current, enabled: false }) }).where('key', '=', settingsKey(caller.accountId)).execute();
  });
};

export const GetOutboundWebIdentityFederationInfo: Handler<object, GetOutboundWebIdentityFederationInfoResponse> = async (_input, context) => {
  const current = await outboundFederation(context.store.db, context.caller.accountId);
  // Never enabled: there is no issuer to describe.
  if (!current) throw new FeatureDisabled('Outbound web identity federation is disabled for this account.');
  return { IssuerIdentifier: current.issuer, JwtVendingEnabled: current.enabled };
};
