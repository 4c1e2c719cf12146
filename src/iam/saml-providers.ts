/**
 * SAML 2.0 identity providers that roles may trust for AssumeRoleWithSAML (IAM API Reference,
 * "CreateSAMLProvider" and neighbours; IAM UG, "Create a SAML identity provider in IAM"). A provider
 * is its IdP's metadata document: the entityID that assertions name as their Issuer, and the
 * certificates whose keys sign them; and, for IdPs that encrypt assertions, up to two private keys
 * (sealed at rest, never returned) and whether encryption is Required or only Allowed.
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type {
  AssertionEncryptionModeType,
  CreateSAMLProviderRequest,
  CreateSAMLProviderResponse,
  DeleteSAMLProviderRequest,
  GetSAMLProviderRequest,
  GetSAMLProviderResponse,
  ListSAMLProviderTagsRequest,
  ListSAMLProviderTagsResponse,
  ListSAMLProvidersRequest,
  ListSAMLProvidersResponse,
  TagSAMLProviderRequest,
  UntagSAMLProviderRequest,
  UpdateSAMLProviderRequest,
  UpdateSAMLProviderResponse,
} from '@aws-sdk/client-iam';
import type { Selectable } from 'kysely';
import { iamArn } from '../shared/arn.js';
import { base32Of, randomBase32 } from '../shared/ids.js';
import type { Sealer } from '../shared/seal.js';
import type { SamlProvidersTable } from '../store/schema.js';
import { isUniqueViolation, type Db } from '../store/store.js';
import type { Handler, Input, OperationContext } from './context.js';
import { EntityAlreadyExists, InvalidInput, LimitExceeded, NoSuchEntity } from './errors.js';
import { attributeOf, childElements, isElement, parseXml, SAML_NS, textOf } from './saml-xml.js';
import { dropTags, listTagsPage, putTags, removeTags, tagsOf } from './tags.js';

/** SAML providers per account (IAM UG, "IAM and AWS STS quotas"). */
export const MAX_SAML_PROVIDERS = 100;
/** Signing keys per SAML provider (IAM UG, "IAM and AWS STS quotas"). */
export const MAX_SIGNING_CERTIFICATES = 10;
/** Private keys for encrypted assertions per SAML provider (IAM API, "GetSAMLProvider": PrivateKeyList holds at most two). */
export const MAX_PRIVATE_KEYS = 2;

const RESOURCE_TYPE = 'saml-provider';
const PROVIDER_ARN = /^arn:([^:]+):iam::(\d{12}):saml-provider\/([\w.-]+)$/;
/** Metadata without validUntil never lapses; AWS reports such a provider valid for a century. */
const DEFAULT_VALIDITY_MS = 100 * 365.25 * 24 * 3600 * 1000;

/** A stored SAML provider. */
export type SamlProviderRow = Selectable<SamlProvidersTable>;

/** What a provider's metadata says about verifying its assertions. */
export interface SamlMetadata {
  readonly entityId: string;
  /** Signing certificates, PEM. */
  readonly certificates: readonly string[];
  readonly validUntil: number | undefined;
}

/**
 * Reads an IdP's metadata (SAML 2.0 Metadata, EntityDescriptor with an IDPSSODescriptor): the
 * entityID, the certificates of KeyDescriptors for signing (or without a `use`), and validUntil.
 * @throws InvalidInput for anything else, as AWS refuses metadata it cannot use.
 */
export function parseSamlMetadata(text: string): SamlMetadata {
  const invalid = (why: string) => new InvalidInput(`Could not parse metadata: ${why}`);
  const root = parseXml(text);
  if (!root || !isElement(root, SAML_NS.metadata, 'EntityDescriptor')) throw invalid('the document must be a SAML 2.0 EntityDescriptor.');
  const entityId = attributeOf(root, 'entityID')?.trim();
  if (!entityId) throw invalid('the EntityDescriptor has no entityID.');
  const idps = childElements(root, SAML_NS.metadata, 'IDPSSODescriptor');
  if (idps.length === 0) throw invalid('the EntityDescriptor has no IDPSSODescriptor.');

  const certificates = new Set<string>();
  for (const idp of idps) {
    for (const descriptor of childElements(idp, SAML_NS.metadata, 'KeyDescriptor')) {
      const use = attributeOf(descriptor, 'use');
      if (use !== undefined && use !== 'signing') continue;
      const found = descriptor.getElementsByTagNameNS(SAML_NS.dsig, 'X509Certificate');
      for (let i = 0; i < found.length; i++) {
        const element = found.item(i);
        if (element) certificates.add(signingCertificate(textOf(element), invalid));
      }
    }
  }
  if (certificates.size === 0) throw invalid('no signing certificate (X509Certificate in a KeyDescriptor for signing).');
  if (certificates.size > MAX_SIGNING_CERTIFICATES) throw new LimitExceeded(`Cannot exceed quota for KeysPerSAMLProvider: ${MAX_SIGNING_CERTIFICATES}`);

  const until = attributeOf(root, 'validUntil');
  const validUntil = until === undefined ? undefined : Date.parse(until);
  if (validUntil !== undefined && Number.isNaN(validUntil)) throw invalid(`validUntil ${until} is not a date and time.`);
  return { entityId, certificates: [...certificates], validUntil };
}

/** A base64 DER certificate as PEM, if it is an X.509 certificate with an RSA key (what RSA-SHA256 signatures need). */
function signingCertificate(base64: string, invalid: (why: string) => Error): string {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(Buffer.from(base64.replace(/\s+/g, ''), 'base64'));
  } catch {
    throw invalid('an X509Certificate is not a base64-encoded X.509 certificate.');
  }
  if (certificate.publicKey.asymmetricKeyType !== 'rsa') throw invalid('signing certificates must carry RSA keys.');
  return certificate.toString();
}

/** The provider an ARN names, in any account, or undefined; the name matches without regard to case. */
export async function findSamlProvider(db: Db, partition: string, arn: string): Promise<SamlProviderRow | undefined> {
  const m = PROVIDER_ARN.exec(arn);
  if (!m || m[1] !== partition) return undefined;
  const [, , accountId = '', name = ''] = m;
  return db.selectFrom('saml_providers').selectAll().where('account_id', '=', accountId).where('name_lower', '=', name.toLowerCase()).executeTakeFirst();
}

/** A provider of the caller's account by ARN, or NoSuchEntity. */
async function requireSamlProvider(db: Db, context: OperationContext, arn: string): Promise<SamlProviderRow> {
  const row = await findSamlProvider(db, context.config.partition, arn);
  if (!row || row.account_id !== context.caller.accountId) throw new NoSuchEntity(`SAMLProvider ${arn} does not exist.`);
  return row;
}

/** One private key for encrypted assertions, as stored: the PEM is sealed and never returned. */
interface StoredPrivateKey {
  readonly id: string;
  readonly createdAt: string;
  /** SHA-256 of the public half (SPKI DER), to notice the same key uploaded twice without opening the others. */
  readonly fingerprint: string;
  readonly sealed: string;
}

/** A provider's private keys; the column is a JSON array that only this module writes. */
function privateKeysOf(row: Pick<SamlProviderRow, 'private_keys'>): StoredPrivateKey[] {
  return JSON.parse(row.private_keys) as StoredPrivateKey[];
}

/** The provider's private keys, opened, for decrypting its assertions (AssumeRoleWithSAML). */
export function openPrivateKeys(row: Pick<SamlProviderRow, 'private_keys'>, sealer: Sealer): KeyObject[] {
  return privateKeysOf(row).map((key) => createPrivateKey(sealer.open(key.sealed)));
}

/** A key id as AWS shapes them: 22 to 64 characters of [A-Z0-9]. */
function newPrivateKeyId(): string {
  return randomBase32(26);
}

/**
 * The provider's SAMLProviderUUID: stable for as long as the provider exists, and new for one made
 * again under the same ARN, so it is derived from the ARN and the creation time rather than stored.
 */
function providerUuid(row: Pick<Selectable<SamlProvidersTable>, 'arn' | 'created_at'>): string {
  return base32Of(createHash('sha256').update(`${row.arn}\n${row.created_at}`).digest().subarray(0, 26));
}

/**
 * Checks and seals an uploaded private key. Assertions are decrypted by RSA-OAEP key transport, so
 * only an unencrypted RSA key in PEM will do.
 */
function sealPrivateKey(pem: string, sealer: Sealer, now: number): StoredPrivateKey {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new InvalidInput('The private key could not be parsed: it must be an unencrypted PEM private key.');
  }
  if (key.asymmetricKeyType !== 'rsa') throw new InvalidInput('The private key must be an RSA key: encrypted assertions carry their content key under RSA-OAEP.');
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return { id: newPrivateKeyId(), createdAt: new Date(now).toISOString(), fingerprint: createHash('sha256').update(spki).digest('hex'), sealed: sealer.seal(pem) };
}

/**
 * The private keys and mode after adding and removing keys as asked: at most two keys (enough to
 * rotate: add the new one, then remove the old), and Required only while a key is left to decrypt with.
 */
function applyEncryptionSettings(
  current: { keys: StoredPrivateKey[]; mode: string },
  input: { AssertionEncryptionMode?: string; AddPrivateKey?: string; RemovePrivateKey?: string },
  sealer: Sealer,
  now: number,
): { keys: StoredPrivateKey[]; mode: string } {
  let keys = current.keys;
  if (input.RemovePrivateKey !== undefined) {
    if (!keys.some((key) => key.id === input.RemovePrivateKey)) throw new InvalidInput(`The SAML provider has no private key with the key ID ${input.RemovePrivateKey}.`);
    keys = keys.filter((key) => key.id !== input.RemovePrivateKey);
  }
  if (input.AddPrivateKey !== undefined) {
    const added = sealPrivateKey(input.AddPrivateKey, sealer, now);
    if (keys.some((key) => key.fingerprint === added.fingerprint)) throw new InvalidInput('The SAML provider already has this private key.');
    if (keys.length >= MAX_PRIVATE_KEYS) throw new LimitExceeded(`Cannot exceed quota for PrivateKeysPerSAMLProvider: ${MAX_PRIVATE_KEYS}`);
    keys = [...keys, added];
  }
  const mode = input.AssertionEncryptionMode ?? current.mode;
  if (mode === 'Required' && keys.length === 0) {
    throw new InvalidInput('AssertionEncryptionMode Required needs a private key to decrypt assertions: add one, or set the mode to Allowed before removing the last.');
  }
  return { keys, mode };
}

/** The columns a metadata document determines. */
function metadataColumns(document: string, createdAt: number): Pick<SamlProviderRow, 'metadata' | 'entity_id' | 'certificates' | 'valid_until'> {
  const metadata = parseSamlMetadata(document);
  return {
    metadata: document,
    entity_id: metadata.entityId,
    certificates: JSON.stringify(metadata.certificates),
    valid_until: new Date(metadata.validUntil ?? createdAt + DEFAULT_VALIDITY_MS).toISOString(),
  };
}

/** Registers an IdP from its metadata document (IAM API, "CreateSAMLProvider"). */
export const CreateSAMLProvider: Handler<Input<CreateSAMLProviderRequest>, CreateSAMLProviderResponse> = async (input, context) => {
  const { store, caller, clock, config, sealer } = context;
  const now = clock.now();
  const encryption = applyEncryptionSettings({ keys: [], mode: 'Allowed' }, input, sealer, now);
  const row: SamlProviderRow = {
    arn: iamArn(config.partition, caller.accountId, 'saml-provider', '/', input.Name),
    account_id: caller.accountId,
    name: input.Name,
    name_lower: input.Name.toLowerCase(),
    ...metadataColumns(input.SAMLMetadataDocument, now),
    created_at: new Date(now).toISOString(),
    assertion_encryption_mode: encryption.mode,
    private_keys: JSON.stringify(encryption.keys),
  };
  try {
    await store.transaction(async (tx) => {
      const { count } = await tx
        .selectFrom('saml_providers')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('account_id', '=', caller.accountId)
        .executeTakeFirstOrThrow();
      if (Number(count) >= MAX_SAML_PROVIDERS) throw new LimitExceeded(`Cannot exceed quota for SAMLProvidersPerAccount: ${MAX_SAML_PROVIDERS}`);
      await tx.insertInto('saml_providers').values(row).execute();
      await putTags(tx, RESOURCE_TYPE, row.arn, input.Tags);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new EntityAlreadyExists(`SAMLProvider ${input.Name} already exists.`);
    throw error;
  }
  return { SAMLProviderArn: row.arn, ...(input.Tags?.length && { Tags: input.Tags }) };
};

/** A provider's metadata document, dates and tags. */
export const GetSAMLProvider: Handler<Input<GetSAMLProviderRequest>, GetSAMLProviderResponse> = async (input, context) => {
  const { db } = context.store;
  const row = await requireSamlProvider(db, context, input.SAMLProviderArn);
  const tags = await tagsOf(db, RESOURCE_TYPE, row.arn);
  return {
    SAMLProviderUUID: providerUuid(row),
    SAMLMetadataDocument: row.metadata,
    CreateDate: new Date(row.created_at),
    ValidUntil: new Date(row.valid_until),
    AssertionEncryptionMode: row.assertion_encryption_mode as AssertionEncryptionModeType,
    // Only ids and upload times: a private key never leaves the server.
    PrivateKeyList: privateKeysOf(row).map((key) => ({ KeyId: key.id, Timestamp: new Date(key.createdAt) })),
    ...(tags.length > 0 && { Tags: tags }),
  };
};

/** The account's providers, by ARN. */
export const ListSAMLProviders: Handler<Input<ListSAMLProvidersRequest>, ListSAMLProvidersResponse> = async (_input, context) => {
  const rows = await context.store.db.selectFrom('saml_providers').select(['arn', 'valid_until', 'created_at']).where('account_id', '=', context.caller.accountId).orderBy('arn').execute();
  return { SAMLProviderList: rows.map((row) => ({ Arn: row.arn, ValidUntil: new Date(row.valid_until), CreateDate: new Date(row.created_at) })) };
};

/** Replaces a provider's metadata (a new certificate, say), its encryption mode or its private keys, under the same ARN. */
export const UpdateSAMLProvider: Handler<Input<UpdateSAMLProviderRequest>, UpdateSAMLProviderResponse> = async (input, context) => {
  const document = input.SAMLMetadataDocument;
  return context.store.transaction(async (tx) => {
    const row = await requireSamlProvider(tx, context, input.SAMLProviderArn);
    const encryption = applyEncryptionSettings({ keys: privateKeysOf(row), mode: row.assertion_encryption_mode }, input, context.sealer, context.clock.now());
    await tx
      .updateTable('saml_providers')
      .set({
        ...(document !== undefined && metadataColumns(document, Date.parse(row.created_at))),
        assertion_encryption_mode: encryption.mode,
        private_keys: JSON.stringify(encryption.keys),
      })
      .where('arn', '=', row.arn)
      .execute();
    return { SAMLProviderArn: row.arn };
  });
};

/** Deletes a provider and its tags. */
export const DeleteSAMLProvider: Handler<Input<DeleteSAMLProviderRequest>, void> = async (input, context) => {
  // Unlike an OIDC provider's, deleting a SAML provider that does not exist is NoSuchEntity (IAM API, "DeleteSAMLProvider").
  await context.store.transaction(async (tx) => {
    const row = await requireSamlProvider(tx, context, input.SAMLProviderArn);
    await tx.deleteFrom('saml_providers').where('arn', '=', row.arn).execute();
    await dropTags(tx, RESOURCE_TYPE, row.arn);
  });
};

/** Adds or replaces tags on a provider. */
export const TagSAMLProvider: Handler<Input<TagSAMLProviderRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireSamlProvider(tx, context, input.SAMLProviderArn);
    await putTags(tx, RESOURCE_TYPE, row.arn, input.Tags);
  });
};

/** Removes tags from a provider. */
export const UntagSAMLProvider: Handler<Input<UntagSAMLProviderRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireSamlProvider(tx, context, input.SAMLProviderArn);
    await removeTags(tx, RESOURCE_TYPE, row.arn, input.TagKeys);
  });
};

/** One page of a provider's tags. */
export const ListSAMLProviderTags: Handler<Input<ListSAMLProviderTagsRequest>, ListSAMLProviderTagsResponse> = async (input, context) => {
  const row = await requireSamlProvider(context.store.db, context, input.SAMLProviderArn);
  return listTagsPage(context.store.db, RESOURCE_TYPE, row.arn, input);
};
