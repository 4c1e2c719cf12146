/**
 * SAML 2.0 identity providers that roles may trust for AssumeRoleWithSAML (IAM API Reference,
 * "CreateSAMLProvider" and neighbours; IAM UG, "Create a SAML identity provider in IAM"). A provider
 * is its IdP's metadata document: the entityID that assertions name as their Issuer, and the
 * certificates whose keys sign them.
 */
import { X509Certificate } from 'node:crypto';
import type {
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

/**
 * This server does not decrypt assertions, so it refuses to be told to require or hold a key for
 * encrypted ones rather than accept a setting it would not honour.
 */
function refuseEncryption(input: { AssertionEncryptionMode?: string; AddPrivateKey?: string; RemovePrivateKey?: string }): void {
  if (input.AssertionEncryptionMode === 'Required' || input.AddPrivateKey !== undefined || input.RemovePrivateKey !== undefined) {
    throw new InvalidInput('Encrypted SAML assertions are not supported: AssertionEncryptionMode Required and private keys cannot be set.');
  }
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
  const { store, caller, clock, config } = context;
  refuseEncryption(input);
  const now = clock.now();
  const row: SamlProviderRow = {
    arn: iamArn(config.partition, caller.accountId, 'saml-provider', '/', input.Name),
    account_id: caller.accountId,
    name: input.Name,
    name_lower: input.Name.toLowerCase(),
    ...metadataColumns(input.SAMLMetadataDocument, now),
    created_at: new Date(now).toISOString(),
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
    SAMLMetadataDocument: row.metadata,
    CreateDate: new Date(row.created_at),
    ValidUntil: new Date(row.valid_until),
    ...(tags.length > 0 && { Tags: tags }),
  };
};

/** The account's providers, by ARN. */
export const ListSAMLProviders: Handler<Input<ListSAMLProvidersRequest>, ListSAMLProvidersResponse> = async (_input, context) => {
  const rows = await context.store.db.selectFrom('saml_providers').select(['arn', 'valid_until', 'created_at']).where('account_id', '=', context.caller.accountId).orderBy('arn').execute();
  return { SAMLProviderList: rows.map((row) => ({ Arn: row.arn, ValidUntil: new Date(row.valid_until), CreateDate: new Date(row.created_at) })) };
};

/** Replaces a provider's metadata (a new certificate, say) under the same ARN. */
export const UpdateSAMLProvider: Handler<Input<UpdateSAMLProviderRequest>, UpdateSAMLProviderResponse> = async (input, context) => {
  refuseEncryption(input);
  const document = input.SAMLMetadataDocument;
  return context.store.transaction(async (tx) => {
    const row = await requireSamlProvider(tx, context, input.SAMLProviderArn);
    if (document !== undefined) await tx.updateTable('saml_providers').set(metadataColumns(document, Date.parse(row.created_at))).where('arn', '=', row.arn).execute();
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
