/**
 * X.509 signing certificates of IAM users (IAM API Reference, "UploadSigningCertificate" and
 * neighbours): at most two per user, and one certificate belongs to one user of the account.
 */
import { randomBytes } from 'node:crypto';
import type {
  DeleteSigningCertificateRequest,
  ListSigningCertificatesRequest,
  ListSigningCertificatesResponse,
  SigningCertificate,
  UpdateSigningCertificateRequest,
  UploadSigningCertificateRequest,
  UploadSigningCertificateResponse,
} from '@aws-sdk/client-iam';
import type { Selectable } from 'kysely';
import { pageOf, type Row } from '../store/repos/named-entities.js';
import type { SigningCertificatesTable } from '../store/schema.js';
import { isUniqueViolation, type Db } from '../store/store.js';
import { targetUserName } from './access-keys.js';
import type { Handler, Input, OperationContext } from './context.js';
import { DuplicateCertificate, InvalidInput, LimitExceeded, NoSuchEntity } from './errors.js';
import { assertSettableStatus } from './status.js';
import { pageRequest, pageResponse } from './paging.js';
import { requireUser } from './users.js';
import { parseCertificate } from './x509.js';

/** Signing certificates a user may hold (IAM UG, "IAM and AWS STS quotas"). */
export const SIGNING_CERTIFICATES_PER_USER = 2;

type CertificateRow = Selectable<SigningCertificatesTable>;

/** A certificate id as AWS shows them: upper-case letters and digits, 32 of them (the model asks for 24 or more word characters). */
function newCertificateId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

function toCertificate(user: Row<'users'>, row: CertificateRow): SigningCertificate {
  return { UserName: user.name, CertificateId: row.id, CertificateBody: row.body, Status: row.status, UploadDate: new Date(row.created_at) };
}

async function requireCertificate(db: Db, user: Row<'users'>, certificateId: string): Promise<CertificateRow> {
  const row = await db.selectFrom('signing_certificates').selectAll().where('id', '=', certificateId).where('user_id', '=', user.id).executeTakeFirst();
  if (!row) throw new NoSuchEntity(`The Certificate with id ${certificateId} cannot be found.`);
  return row;
}

export const UploadSigningCertificate: Handler<Input<UploadSigningCertificateRequest>, UploadSigningCertificateResponse> = async (input, context) => {
  const { store, caller, clock } = context;
  const { fingerprint } = parseCertificate(input.CertificateBody);
  const name = targetUserName(context, input.UserName);
  try {
    return await store.transaction(async (tx) => {
      const user = await requireUser(tx, context, name);
      const held = await tx.selectFrom('signing_certificates').select(['id', 'fingerprint']).where('user_id', '=', user.id).execute();
      // The same body twice is a duplicate, not a quota matter (IAM API, "UploadSigningCertificate").
      if (held.some((row) => row.fingerprint === fingerprint)) throw duplicate();
      if (held.length >= SIGNING_CERTIFICATES_PER_USER) throw new LimitExceeded(`Cannot exceed quota for SigningCertificatesPerUser: ${SIGNING_CERTIFICATES_PER_USER}`);
      const row: CertificateRow = {
        id: newCertificateId(),
        account_id: caller.accountId,
        user_id: user.id,
        body: input.CertificateBody,
        fingerprint,
        status: 'Active',
        created_at: new Date(clock.now()).toISOString(),
      };
      await tx.insertInto('signing_certificates').values(row).execute();
      return { Certificate: toCertificate(user, row) };
    });
  } catch (error) {
    // Another user of the account holds this certificate (a unique index per account).
    if (isUniqueViolation(error)) throw duplicate();
    throw error;
  }
};

function duplicate(): Error {
  return new DuplicateCertificate('The same certificate is already associated with an IAM user in this account.');
}

async function owner(db: Db, context: OperationContext, userName: string | undefined): Promise<Row<'users'>> {
  return requireUser(db, context, targetUserName(context, userName));
}

export const ListSigningCertificates: Handler<Input<ListSigningCertificatesRequest>, ListSigningCertificatesResponse> = async (input, context) => {
  const { db } = context.store;
  const user = await owner(db, context, input.UserName);
  const { limit, after } = pageRequest(input);
  let query = db.selectFrom('signing_certificates').selectAll().where('user_id', '=', user.id);
  if (after !== undefined) query = query.where('id', '>', after);
  const rows = await query.orderBy('id').limit(limit + 1).execute();
  const page = pageOf(rows, limit, (row) => row.id);
  return { Certificates: page.items.map((row) => toCertificate(user, row)), ...pageResponse(page.next) };
};

export const UpdateSigningCertificate: Handler<Input<UpdateSigningCertificateRequest>, void> = async (input, context) => {
  assertSettableStatus(input.Status);
  const status = input.Status;
  await context.store.transaction(async (tx) => {
    const user = await owner(tx, context, input.UserName);
    const row = await requireCertificate(tx, user, input.CertificateId);
    await tx.updateTable('signing_certificates').set({ status }).where('id', '=', row.id).execute();
  });
};

export const DeleteSigningCertificate: Handler<Input<DeleteSigningCertificateRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const user = await owner(tx, context, input.UserName);
    const row = await requireCertificate(tx, user, input.CertificateId);
    await tx.deleteFrom('signing_certificates').where('id', '=', row.id).execute();
  });
};
