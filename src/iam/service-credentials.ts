/**
 * Service-specific credentials (IAM API Reference, "CreateServiceSpecificCredential" and
 * neighbours; IAM UG, "Using IAM with CodeCommit: Git credentials" and "Amazon Keyspaces"): a user
 * name and a generated password for one service, shown once and kept only as an scrypt hash.
 */
import { randomBytes } from 'node:crypto';
import type {
  CreateServiceSpecificCredentialRequest,
  CreateServiceSpecificCredentialResponse,
  DeleteServiceSpecificCredentialRequest,
  ListServiceSpecificCredentialsRequest,
  ListServiceSpecificCredentialsResponse,
  ResetServiceSpecificCredentialRequest,
  ResetServiceSpecificCredentialResponse,
  ServiceSpecificCredential,
  ServiceSpecificCredentialMetadata,
  UpdateServiceSpecificCredentialRequest,
} from '@aws-sdk/client-iam';
import type { Selectable } from 'kysely';
import { newId } from '../shared/ids.js';
import { pageOf, type Row } from '../store/repos/named-entities.js';
import type { ServiceCredentialsTable } from '../store/schema.js';
import type { Db } from '../store/store.js';
import { targetUserName } from './access-keys.js';
import type { Handler, Input, OperationContext } from './context.js';
import { InvalidInput, LimitExceeded, NoSuchEntity, NotSupportedService } from './errors.js';
import { assertSettableStatus } from './status.js';
import { pageRequest, pageResponse } from './paging.js';
import { hashPassword } from './passwords.js';
import { requireUser } from './users.js';

/** The services that take service-specific credentials: CodeCommit (Git over HTTPS) and Amazon Keyspaces. */
export const SUPPORTED_SERVICES: readonly string[] = ['codecommit.amazonaws.com', 'cassandra.amazonaws.com'];
/** Credentials a user may hold per service (IAM API, "CreateServiceSpecificCredential"). */
export const SERVICE_CREDENTIALS_PER_SERVICE = 2;

type CredentialRow = Selectable<ServiceCredentialsTable>;

/** AWS's service user name: the IAM user's name, `-at-`, and the account id. */
function serviceUserName(userName: string, accountId: string): string {
  return `${userName}-at-${accountId}`;
}

/** A generated password: 44 characters of base64, as AWS's are. */
function newServicePassword(): string {
  return randomBytes(33).toString('base64');
}

function requireSupported(serviceName: string): void {
  if (!SUPPORTED_SERVICES.includes(serviceName)) throw new NotSupportedService(`No such service ${serviceName} is supported for Service Specific Credentials`);
}

function toMetadata(userName: string, row: CredentialRow): ServiceSpecificCredentialMetadata {
  return {
    UserName: userName,
    Status: row.status,
    ServiceUserName: row.service_user_name,
    CreateDate: new Date(row.created_at),
    ServiceSpecificCredentialId: row.id,
    ServiceName: row.service_name,
  };
}

function withPassword(userName: string, row: CredentialRow, password: string): ServiceSpecificCredential {
  return { ...toMetadata(userName, row), ServicePassword: password };
}

async function owner(db: Db, context: OperationContext, userName: string | undefined): Promise<Row<'users'>> {
  return requireUser(db, context, targetUserName(context, userName));
}

async function requireCredential(db: Db, user: Row<'users'>, id: string): Promise<CredentialRow> {
  const row = await db.selectFrom('service_credentials').selectAll().where('id', '=', id).where('user_id', '=', user.id).executeTakeFirst();
  if (!row) throw new NoSuchEntity(`No such credential ${id} exists`);
  return row;
}

export const CreateServiceSpecificCredential: Handler<Input<CreateServiceSpecificCredentialRequest>, CreateServiceSpecificCredentialResponse> = async (input, context) => {
  const { store, caller, clock } = context;
  requireSupported(input.ServiceName);
  const password = newServicePassword();
  const passwordHash = await hashPassword(password);
  return store.transaction(async (tx) => {
    const user = await requireUser(tx, context, input.UserName);
    const held = await tx.selectFrom('service_credentials').select('id').where('user_id', '=', user.id).where('service_name', '=', input.ServiceName).execute();
    if (held.length >= SERVICE_CREDENTIALS_PER_SERVICE) {
      throw new LimitExceeded(`Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: ${SERVICE_CREDENTIALS_PER_SERVICE}`);
    }
    const row: CredentialRow = {
      id: newId('serviceCredential'),
      account_id: caller.accountId,
      user_id: user.id,
      service_name: input.ServiceName,
      service_user_name: serviceUserName(user.name, caller.accountId),
      password_hash: passwordHash,
      status: 'Active',
      created_at: new Date(clock.now()).toISOString(),
    };
    await tx.insertInto('service_credentials').values(row).execute();
    // The password leaves the server here (and in a reset) and nowhere else.
    return { ServiceSpecificCredential: withPassword(user.name, row, password) };
  });
};

export const ListServiceSpecificCredentials: Handler<Input<ListServiceSpecificCredentialsRequest>, ListServiceSpecificCredentialsResponse> = async (input, context) => {
  const { db } = context.store;
  if (input.ServiceName !== undefined) requireSupported(input.ServiceName);
  const { limit, after } = pageRequest(input);
  let query = db
    .selectFrom('service_credentials')
    .innerJoin('users', 'users.id', 'service_credentials.user_id')
    .selectAll('service_credentials')
    .select('users.name as user_name')
    .where('service_credentials.account_id', '=', context.caller.accountId);
  if (!input.AllUsers) {
    const user = await owner(db, context, input.UserName);
    query = query.where('service_credentials.user_id', '=', user.id);
  }
  if (input.ServiceName !== undefined) query = query.where('service_credentials.service_name', '=', input.ServiceName);
  if (after !== undefined) query = query.where('service_credentials.id', '>', after);
  const rows = await query.orderBy('service_credentials.id').limit(limit + 1).execute();
  const page = pageOf(rows, limit, (row) => row.id);
  return { ServiceSpecificCredentials: page.items.map((row) => toMetadata(row.user_name, row)), ...pageResponse(page.next) };
};

export const ResetServiceSpecificCredential: Handler<Input<ResetServiceSpecificCredentialRequest>, ResetServiceSpecificCredentialResponse> = async (input, context) => {
  const password = newServicePassword();
  const passwordHash = await hashPassword(password);
  return context.store.transaction(async (tx) => {
    const user = await owner(tx, context, input.UserName);
    const row = await requireCredential(tx, user, input.ServiceSpecificCredentialId);
    await tx.updateTable('service_credentials').set({ password_hash: passwordHash }).where('id', '=', row.id).execute();
    return { ServiceSpecificCredential: withPassword(user.name, row, password) };
  });
};

export const UpdateServiceSpecificCredential: Handler<Input<UpdateServiceSpecificCredentialRequest>, void> = async (input, context) => {
  assertSettableStatus(input.Status);
  const status = input.Status;
  await context.store.transaction(async (tx) => {
    const user = await owner(tx, context, input.UserName);
    const row = await requireCredential(tx, user, input.ServiceSpecificCredentialId);
    await tx.updateTable('service_credentials').set({ status }).where('id', '=', row.id).execute();
  });
};

export const DeleteServiceSpecificCredential: Handler<Input<DeleteServiceSpecificCredentialRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const user = await owner(tx, context, input.UserName);
    const row = await requireCredential(tx, user, input.ServiceSpecificCredentialId);
    await tx.deleteFrom('service_credentials').where('id', '=', row.id).execute();
  });
};
