/**
 * OpenID Connect identity providers that roles may trust for AssumeRoleWithWebIdentity (IAM API
 * Reference, "CreateOpenIDConnectProvider" and neighbours; IAM UG, "Create an OpenID Connect (OIDC)
 * identity provider in IAM").
 */
import type {
  AddClientIDToOpenIDConnectProviderRequest,
  CreateOpenIDConnectProviderRequest,
  CreateOpenIDConnectProviderResponse,
  DeleteOpenIDConnectProviderRequest,
  GetOpenIDConnectProviderRequest,
  GetOpenIDConnectProviderResponse,
  ListOpenIDConnectProviderTagsRequest,
  ListOpenIDConnectProviderTagsResponse,
  ListOpenIDConnectProvidersRequest,
  ListOpenIDConnectProvidersResponse,
  RemoveClientIDFromOpenIDConnectProviderRequest,
  TagOpenIDConnectProviderRequest,
  UntagOpenIDConnectProviderRequest,
  UpdateOpenIDConnectProviderThumbprintRequest,
} from '@aws-sdk/client-iam';
import type { Selectable } from 'kysely';
import { iamArn } from '../shared/arn.js';
import type { OidcProvidersTable } from '../store/schema.js';
import { isUniqueViolation, type Db } from '../store/store.js';
import type { Handler, Input, OperationContext } from './context.js';
import { EntityAlreadyExists, InvalidInput, LimitExceeded, NoSuchEntity } from './errors.js';
import { dropTags, listTagsPage, putTags, removeTags, tagsOf } from './tags.js';

/** Quotas of OIDC providers (IAM UG, "IAM and AWS STS quotas"; IAM API, "CreateOpenIDConnectProvider"). */
export const MAX_OIDC_PROVIDERS = 100;
export const MAX_CLIENT_IDS = 100;
export const MAX_THUMBPRINTS = 5;

const RESOURCE_TYPE = 'oidc-provider';
const THUMBPRINT = /^[0-9A-Fa-f]{40}$/;

type ProviderRow = Selectable<OidcProvidersTable>;

/**
 * What names a provider: its URL without `https://` (as GetOpenIDConnectProvider returns it and the
 * ARN ends), host in lower case and without a trailing slash. AWS takes a host and an optional
 * path, but no port, query or fragment.
 */
function providerId(text: string): string {
  let url: URL | undefined;
  try {
    url = /^https:\/\//i.test(text) ? new URL(text) : undefined;
  } catch {
    url = undefined;
  }
  if (!url) throw new InvalidInput('Invalid Url: it must begin with https:// and name a host.');
  if (url.port !== '' || url.username !== '' || url.password !== '' || /[?#]/.test(text)) {
    throw new InvalidInput('Invalid Url: a port, user information, query or fragment is not allowed.');
  }
  return url.host + url.pathname.replace(/\/+$/, '');
}

function checkThumbprints(thumbprints: readonly string[]): string[] {
  const unique = [...new Set(thumbprints.map((t) => t.toLowerCase()))];
  if (unique.length > MAX_THUMBPRINTS) throw new LimitExceeded(`Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: ${MAX_THUMBPRINTS}`);
  const bad = unique.find((t) => !THUMBPRINT.test(t));
  if (bad !== undefined) throw new InvalidInput(`Thumbprint ${bad} is not a 40-character hex-encoded SHA-1 hash.`);
  return unique;
}

function checkClientIds(clientIds: readonly string[]): string[] {
  const unique = [...new Set(clientIds)];
  if (unique.length > MAX_CLIENT_IDS) throw new LimitExceeded(`Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${MAX_CLIENT_IDS}`);
  return unique;
}

// The lists are JSON arrays that only this module writes.
const readList = (text: string): string[] => JSON.parse(text) as string[];

/** A provider of the caller's account by ARN, or NoSuchEntity. */
export async function requireOidcProvider(db: Db, context: OperationContext, arn: string): Promise<ProviderRow> {
  const row = await db.selectFrom('oidc_providers').selectAll().where('arn', '=', arn).where('account_id', '=', context.caller.accountId).executeTakeFirst();
  if (!row) throw new NoSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);
  return row;
}

export const CreateOpenIDConnectProvider: Handler<Input<CreateOpenIDConnectProviderRequest>, CreateOpenIDConnectProviderResponse> = async (input, context) => {
  const { store, caller, clock, config } = context;
  const url = providerId(input.Url);
  const row: ProviderRow = {
    arn: iamArn(config.partition, caller.accountId, 'oidc-provider', '/', url),
    account_id: caller.accountId,
    url,
    client_ids: JSON.stringify(checkClientIds(input.ClientIDList ?? [])),
    // Optional since AWS verifies the provider's certificate itself; kept for clients that send them.
    thumbprints: JSON.stringify(checkThumbprints(input.ThumbprintList ?? [])),
    created_at: new Date(clock.now()).toISOString(),
  };
  try {
    await store.transaction(async (tx) => {
      const { count } = await tx
        .selectFrom('oidc_providers')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('account_id', '=', caller.accountId)
        .executeTakeFirstOrThrow();
      if (Number(count) >= MAX_OIDC_PROVIDERS) throw new LimitExceeded(`Cannot exceed quota for OpenIdConnectProvidersPerAccount: ${MAX_OIDC_PROVIDERS}`);
      await tx.insertInto('oidc_providers').values(row).execute();
      await putTags(tx, RESOURCE_TYPE, row.arn, input.Tags);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new EntityAlreadyExists(`Provider with url https://${url} already exists.`);
    throw error;
  }
  return { OpenIDConnectProviderArn: row.arn, ...(input.Tags?.length && { Tags: input.Tags }) };
};

export const GetOpenIDConnectProvider: Handler<Input<GetOpenIDConnectProviderRequest>, GetOpenIDConnectProviderResponse> = async (input, context) => {
  const { db } = context.store;
  const row = await requireOidcProvider(db, context, input.OpenIDConnectProviderArn);
  const tags = await tagsOf(db, RESOURCE_TYPE, row.arn);
  return {
    Url: row.url,
    ClientIDList: readList(row.client_ids),
    ThumbprintList: readList(row.thumbprints),
    CreateDate: new Date(row.created_at),
    ...(tags.length > 0 && { Tags: tags }),
  };
};

export const ListOpenIDConnectProviders: Handler<Input<ListOpenIDConnectProvidersRequest>, ListOpenIDConnectProvidersResponse> = async (_input, context) => {
  const rows = await context.store.db.selectFrom('oidc_providers').select('arn').where('account_id', '=', context.caller.accountId).orderBy('arn').execute();
  return { OpenIDConnectProviderList: rows.map((row) => ({ Arn: row.arn })) };
};

export const DeleteOpenIDConnectProvider: Handler<Input<DeleteOpenIDConnectProviderRequest>, void> = async (input, context) => {
  // Idempotent: deleting a provider that does not exist is not an error (IAM API, "DeleteOpenIDConnectProvider").
  await context.store.transaction(async (tx) => {
    const deleted = await tx.deleteFrom('oidc_providers').where('arn', '=', input.OpenIDConnectProviderArn).where('account_id', '=', context.caller.accountId).executeTakeFirst();
    if (Number(deleted.numDeletedRows) > 0) await dropTags(tx, RESOURCE_TYPE, input.OpenIDConnectProviderArn);
  });
};

/** Rewrites a provider's client ids inside a transaction. */
async function updateClientIds(context: OperationContext, arn: string, change: (ids: string[]) => string[]): Promise<void> {
  await context.store.transaction(async (tx) => {
    const row = await requireOidcProvider(tx, context, arn);
    const ids = checkClientIds(change(readList(row.client_ids)));
    await tx.updateTable('oidc_providers').set({ client_ids: JSON.stringify(ids) }).where('arn', '=', row.arn).execute();
  });
}

export const AddClientIDToOpenIDConnectProvider: Handler<Input<AddClientIDToOpenIDConnectProviderRequest>, void> = async (input, context) => {
  // Adding a client id the provider has is not an error (IAM API, "AddClientIDToOpenIDConnectProvider").
  await updateClientIds(context, input.OpenIDConnectProviderArn, (ids) => [...ids, input.ClientID]);
};

export const RemoveClientIDFromOpenIDConnectProvider: Handler<Input<RemoveClientIDFromOpenIDConnectProviderRequest>, void> = async (input, context) => {
  // Removing a client id the provider lacks is not an error either.
  await updateClientIds(context, input.OpenIDConnectProviderArn, (ids) => ids.filter((id) => id !== input.ClientID));
};

export const UpdateOpenIDConnectProviderThumbprint: Handler<Input<UpdateOpenIDConnectProviderThumbprintRequest>, void> = async (input, context) => {
  const thumbprints = JSON.stringify(checkThumbprints(input.ThumbprintList));
  await context.store.transaction(async (tx) => {
    const row = await requireOidcProvider(tx, context, input.OpenIDConnectProviderArn);
    await tx.updateTable('oidc_providers').set({ thumbprints }).where('arn', '=', row.arn).execute();
  });
};

export const TagOpenIDConnectProvider: Handler<Input<TagOpenIDConnectProviderRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireOidcProvider(tx, context, input.OpenIDConnectProviderArn);
    await putTags(tx, RESOURCE_TYPE, row.arn, input.Tags);
  });
};

export const UntagOpenIDConnectProvider: Handler<Input<UntagOpenIDConnectProviderRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const row = await requireOidcProvider(tx, context, input.OpenIDConnectProviderArn);
    await removeTags(tx, RESOURCE_TYPE, row.arn, input.TagKeys);
  });
};

export const ListOpenIDConnectProviderTags: Handler<Input<ListOpenIDConnectProviderTagsRequest>, ListOpenIDConnectProviderTagsResponse> = async (input, context) => {
  const row = await requireOidcProvider(context.store.db, context, input.OpenIDConnectProviderArn);
  return listTagsPage(context.store.db, RESOURCE_TYPE, row.arn, input);
};
