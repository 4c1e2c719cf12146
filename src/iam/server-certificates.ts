/**
 * Server certificates (IAM API Reference, "UploadServerCertificate" and neighbours; IAM UG,
 * "Managing server certificates in IAM"): a certificate, its chain and its private key, which is
 * sealed at rest and never returned.
 */
import type {
  DeleteServerCertificateRequest,
  GetServerCertificateRequest,
  GetServerCertificateResponse,
  ListServerCertificateTagsRequest,
  ListServerCertificateTagsResponse,
  ListServerCertificatesRequest,
  ListServerCertificatesResponse,
  ServerCertificateMetadata,
  TagServerCertificateRequest,
  UntagServerCertificateRequest,
  UpdateServerCertificateRequest,
  UploadServerCertificateRequest,
  UploadServerCertificateResponse,
} from '@aws-sdk/client-iam';
import type { Selectable } from 'kysely';
import { iamArn } from '../shared/arn.js';
import { newId } from '../shared/ids.js';
import type { ServerCertificatesTable } from '../store/schema.js';
import { isUniqueViolation, type Db } from '../store/store.js';
import type { Handler, Input, OperationContext } from './context.js';
import { EntityAlreadyExists, LimitExceeded, NoSuchEntity } from './errors.js';
import { byKey, pageSorted } from './paging.js';
import { dropTags, listTagsPage, putTags, removeTags, tagsOf } from './tags.js';
import { parseCertificate, parseChain, parsePrivateKey, requireKeyMatch } from './x509.js';

/** Server certificates an account may store (IAM UG, "IAM and AWS STS quotas"). */
export const MAX_SERVER_CERTIFICATES = 20;

const RESOURCE_TYPE = 'server-certificate';

type CertificateRow = Selectable<ServerCertificatesTable>;

/** A server certificate of the caller's account by name (without regard to case), or NoSuchEntity. */
export async function requireServerCertificate(db: Db, context: OperationContext, name: string): Promise<CertificateRow> {
  const row = await db
    .selectFrom('server_certificates')
    .selectAll()
    .where('account_id', '=', context.caller.accountId)
    .where('name_lower', '=', name.toLowerCase())
    .executeTakeFirst();
  if (!row) throw new NoSuchEntity(`The Server Certificate with name ${name} cannot be found.`);
  return row;
}

function toMetadata(context: OperationContext, row: CertificateRow): ServerCertificateMetadata {
  return {
    Path: row.path,
    ServerCertificateName: row.name,
    ServerCertificateId: row.id,
    Arn: iamArn(context.config.partition, row.account_id, 'server-certificate', row.path, row.name),
    UploadDate: new Date(row.created_at),
    Expiration: new Date(row.expiration),
  };
}

async function claimingCertificateName<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new EntityAlreadyExists(`The Server Certificate with name ${name} already exists.`);
    throw error;
  }
}

export const UploadServerCertificate: Handler<Input<UploadServerCertificateRequest>, UploadServerCertificateResponse> = async (input, context) => {
  const { store, caller, clock, sealer } = context;
  const { certificate, expiration } = parseCertificate(input.CertificateBody);
  if (input.CertificateChain !== undefined) parseChain(input.CertificateChain);
  requireKeyMatch(certificate, parsePrivateKey(input.PrivateKey));
  const row: CertificateRow = {
    id: newId('serverCertificate'),
    account_id: caller.accountId,
    name: input.ServerCertificateName,
    name_lower: input.ServerCertificateName.toLowerCase(),
    path: input.Path ?? '/',
    body: input.CertificateBody,
    chain: input.CertificateChain ?? null,
    private_key_sealed: sealer.seal(input.PrivateKey),
    expiration: expiration.toISOString(),
    created_at: new Date(clock.now()).toISOString(),
  };
  await claimingCertificateName(input.ServerCertificateName, () =>
    store.transaction(async (tx) => {
      const held = await tx.selectFrom('server_certificates').select('id').where('account_id', '=', caller.accountId).execute();
      if (held.length >= MAX_SERVER_CERTIFICATES) throw new LimitExceeded(`Cannot exceed quota for ServerCertificatesPerAccount: ${MAX_SERVER_CERTIFICATES}`);
      await tx.insertInto('server_certificates').values(row).execute();
      await putTags(tx, RESOURCE_TYPE, row.id, input.Tags);
    }),
  );
  return { ServerCertificateMetadata: toMetadata(context, row), ...(input.Tags?.length && { Tags: input.Tags }) };
};

export const GetServerCertificate: Handler<Input<GetServerCertificateRequest>, GetServerCertificateResponse> = async (input, context) => {
  const { db } = context.store;
  const row = await requireServerCertificate(db, context, input.ServerCertificateName);
  const tags = await tagsOf(db, RESOURCE_TYPE, row.id);
  // The private key stays sealed: AWS never returns it.
  return {
    ServerCertificate: {
      ServerCertificateMetadata: toMetadata(context, row),
      CertificateBody: row.body,
      ...(row.chain !== null && { CertificateChain: row.chain }),
      ...(tags.length > 0 && { Tags: tags }),
    },
  };
};

export const ListServerCertificates: Handler<Input<ListServerCertificatesRequest>, ListServerCertificatesResponse> = async (input, context) => {
  const prefix = input.PathPrefix ?? '/';
  const rows = await context.store.db.selectFrom('server_certificates').selectAll().where('account_id', '=', context.caller.accountId).execute();
  // Names are unique per account without regard to case, so the lower-cased name is a stable key.
  const sorted = rows.filter((row) => row.path.startsWith(prefix)).sort(byKey((row) => row.name_lower));
  const page = pageSorted(sorted, input, (row) => row.name_lower);
  return { ServerCertificateMetadataList: page.items.map((row) => toMetadata(context, row)), ...page.response };
};

export const UpdateServerCertificate: Handler<Input<UpdateServerCertificateRequest>, void> = async (input, context) => {
  const newName = input.NewServerCertificateName;
  await claimingCertificateName(newName ?? input.ServerCertificateName, () =>
    context.store.transaction(async (tx) => {
      const row = await requireServerCertificate(tx, context, input.ServerCertificateName);
      const name = newName ?? row.name;
      await tx
        .updateTable('server_certificates')
        .set({ name, name_lower: name.toLowerCase(), path: input.NewPath ?? row.path })
        .where('id', '=', row.id)
        .execute();
    }),
  );
};

export const DeleteServerCertificate: Handler<Input<DeleteServerCertificateRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireServerCertificate(tx, context, input.ServerCertificateName);
    await dropTags(tx, RESOURCE_TYPE, row.id);
    await tx.deleteFrom('server_certificates').where('id', '=', row.id).execute();
  });
};

export const TagServerCertificate: Handler<Input<TagServerCertificateRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireServerCertificate(tx, context, input.ServerCertificateName);
    await putTags(tx, RESOURCE_TYPE, row.id, input.Tags);
  });
};

export const UntagServerCertificate: Handler<Input<UntagServerCertificateRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireServerCertificate(tx, context, input.ServerCertificateName);
    await removeTags(tx, RESOURCE_TYPE, row.id, input.TagKeys);
  });
};

export const ListServerCertificateTags: Handler<Input<ListServerCertificateTagsRequest>, ListServerCertificateTagsResponse> = async (input, context) => {
  const row = await requireServerCertificate(context.store.db, context, input.ServerCertificateName);
  return listTagsPage(context.store.db, RESOURCE_TYPE, row.id, input);
};
