/**
 * Virtual MFA devices: create, enable for a user with two consecutive TOTP codes, deactivate,
 * list, tag, delete (IAM API Reference, "CreateVirtualMFADevice", "EnableMFADevice" and
 * neighbours). The seed is sealed at rest and shown once, by CreateVirtualMFADevice.
 */
import { randomBytes } from 'node:crypto';
import type {
  CreateVirtualMFADeviceRequest,
  CreateVirtualMFADeviceResponse,
  DeactivateMFADeviceRequest,
  DeleteVirtualMFADeviceRequest,
  EnableMFADeviceRequest,
  ListMFADevicesRequest,
  ListMFADevicesResponse,
  ListMFADeviceTagsRequest,
  ListMFADeviceTagsResponse,
  ListVirtualMFADevicesRequest,
  ListVirtualMFADevicesResponse,
  TagMFADeviceRequest,
  UntagMFADeviceRequest,
} from '@aws-sdk/client-iam';
import type { Selectable } from 'kysely';
import { pageOf } from '../store/repos/named-entities.js';
import type { MfaDevicesTable } from '../store/schema.js';
import { isUniqueViolation, type Db } from '../store/store.js';
import { targetUserName } from './access-keys.js';
import { entityArn } from './arns.js';
import type { Handler, Input, OperationContext } from './context.js';
import { AccessDenied } from '../authz/errors.js';
import { DeleteConflict, EntityAlreadyExists, InvalidAuthenticationCode, LimitExceeded, NoSuchEntity } from './errors.js';
import { pageRequest, pageResponse } from './paging.js';
import { qrPng } from './qr.js';
import { dropTags, listTagsPage, putTags, removeTags } from './tags.js';
import { base32Decode, base32Encode, codeMatches, timeStep } from './totp.js';
import { requireUser, toUser } from './users.js';

/** A user may have up to eight MFA devices (IAM UG, "Using multi-factor authentication (MFA) in AWS"). */
export const MFA_DEVICES_PER_USER = 8;

// 40 random bytes make AWS's 64-character base32 seed.
const SEED_BYTES = 40;
const TAG_TYPE = 'mfa';

type DeviceRow = Selectable<MfaDevicesTable>;

async function requireDevice(db: Db, context: OperationContext, serial: string): Promise<DeviceRow> {
  const row = await db.selectFrom('mfa_devices').selectAll().where('serial', '=', serial).where('account_id', '=', context.caller.accountId).executeTakeFirst();
  if (!row) throw new NoSuchEntity(`VirtualMFADevice with serial number ${serial} doesn't exist.`);
  return row;
}

export const CreateVirtualMFADevice: Handler<Input<CreateVirtualMFADeviceRequest>, CreateVirtualMFADeviceResponse> = async (input, context) => {
  const { store, caller, clock, sealer } = context;
  const path = input.Path ?? '/';
  const seed = base32Encode(randomBytes(SEED_BYTES));
  const row: DeviceRow = {
    serial: entityArn(context, 'mfa', path, input.VirtualMFADeviceName),
    account_id: caller.accountId,
    name: input.VirtualMFADeviceName,
    path,
    seed_sealed: sealer.seal(seed),
    user_id: null,
    enabled_at: null,
    created_at: new Date(clock.now()).toISOString(),
  };
  try {
    await store.transaction(async (tx) => {
      await tx.insertInto('mfa_devices').values(row).execute();
      await putTags(tx, TAG_TYPE, row.serial, input.Tags);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new EntityAlreadyExists('MFADevice entity at the same path and name already exists.');
    throw error;
  }
  // Base32StringSeed is a blob: the base32 text's bytes, which the wire carries base64-encoded.
  // QRCodePNG, as AWS returns it too, encodes `otpauth://totp/$virtualMFADeviceName@$AccountName?secret=$Base32String`
  // (the AWS CLI's `--bootstrap-method QRCodePNG` writes it to a file, and writes nothing without it).
  const uri = `otpauth://totp/${encodeURIComponent(input.VirtualMFADeviceName)}@${caller.accountId}?secret=${seed}`;
  return {
    VirtualMFADevice: {
      SerialNumber: row.serial,
      Base32StringSeed: Buffer.from(seed, 'ascii'),
      QRCodePNG: qrPng(uri),
      ...(input.Tags?.length && { Tags: input.Tags }),
    },
  };
};

export const ListVirtualMFADevices: Handler<Input<ListVirtualMFADevicesRequest>, ListVirtualMFADevicesResponse> = async (input, context) => {
  const { db } = context.store;
  const { limit, after } = pageRequest(input);
  let query = db.selectFrom('mfa_devices').select(['serial', 'user_id', 'enabled_at']).where('account_id', '=', context.caller.accountId);
  const status = input.AssignmentStatus ?? 'Any';
  if (status === 'Assigned') query = query.where('user_id', 'is not', null);
  if (status === 'Unassigned') query = query.where('user_id', 'is', null);
  if (after !== undefined) query = query.where('serial', '>', after);
  const page = pageOf(await query.orderBy('serial').limit(limit + 1).execute(), limit, (row) => row.serial);
  const userIds = page.items.flatMap((row) => (row.user_id === null ? [] : [row.user_id]));
  const users = new Map(userIds.length === 0 ? [] : (await db.selectFrom('users').selectAll().where('id', 'in', userIds).execute()).map((user) => [user.id, user]));
  return {
    VirtualMFADevices: page.items.map((row) => {
      const user = row.user_id === null ? undefined : users.get(row.user_id);
      return { SerialNumber: row.serial, ...(user && { User: toUser(context, user) }), ...(row.enabled_at !== null && { EnableDate: new Date(row.enabled_at) }) };
    }),
    ...pageResponse(page.next),
  };
};

export const DeleteVirtualMFADevice: Handler<Input<DeleteVirtualMFADeviceRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const device = await requireDevice(tx, context, input.SerialNumber);
    // AWS requires deactivating a device before deleting it (IAM API, "DeleteVirtualMFADevice").
    if (device.user_id !== null) throw new DeleteConflict('MFA Device is still in use.');
    await dropTags(tx, TAG_TYPE, device.serial);
    await tx.deleteFrom('mfa_devices').where('serial', '=', device.serial).execute();
  });
};

/**
 * Whether two codes are the device's codes for consecutive time steps around now: the first at the
 * previous or the current step, so both fall within one step of the clock either way.
 */
function consecutiveCodes(seed: Buffer, now: number, first: string, second: string): boolean {
  const current = timeStep(now);
  return [current - 1, current].some((step) => codeMatches(seed, step, first) && codeMatches(seed, step + 1, second));
}

export const EnableMFADevice: Handler<Input<EnableMFADeviceRequest>, void> = async (input, context) => {
  const { store, clock, sealer } = context;
  await store.transaction(async (tx) => {
    const user = await requireUser(tx, context, input.UserName);
    const device = await requireDevice(tx, context, input.SerialNumber);
    if (device.user_id !== null) throw new EntityAlreadyExists('MFA Device is already in use.');
    const held = await tx.selectFrom('mfa_devices').select('serial').where('user_id', '=', user.id).execute();
    if (held.length >= MFA_DEVICES_PER_USER) throw new LimitExceeded(`Cannot exceed quota for MFADevicesPerUser: ${MFA_DEVICES_PER_USER}`);
    const seed = base32Decode(sealer.open(device.seed_sealed));
    if (!consecutiveCodes(seed, clock.now(), input.AuthenticationCode1, input.AuthenticationCode2)) {
      throw new InvalidAuthenticationCode('Authentication code for device is not valid.');
    }
    await tx
      .updateTable('mfa_devices')
      .set({ user_id: user.id, enabled_at: new Date(clock.now()).toISOString() })
      .where('serial', '=', device.serial)
      .where('user_id', 'is', null)
      .execute();
  });
};

export const DeactivateMFADevice: Handler<Input<DeactivateMFADeviceRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const user = await requireUser(tx, context, targetUserName(context, input.UserName));
    const updated = await tx
      .updateTable('mfa_devices')
      .set({ user_id: null, enabled_at: null })
      .where('serial', '=', input.SerialNumber)
      .where('account_id', '=', context.caller.accountId)
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw new NoSuchEntity(`MFA Device with serial number ${input.SerialNumber} does not exist.`);
  });
};

export const ListMFADevices: Handler<Input<ListMFADevicesRequest>, ListMFADevicesResponse> = async (input, context) => {
  const { db } = context.store;
  const user = await requireUser(db, context, targetUserName(context, input.UserName));
  const { limit, after } = pageRequest(input);
  let query = db.selectFrom('mfa_devices').select(['serial', 'enabled_at']).where('user_id', '=', user.id);
  if (after !== undefined) query = query.where('serial', '>', after);
  const rows = await query.orderBy('serial').limit(limit + 1).execute();
  const page = pageOf(rows, limit, (row) => row.serial);
  return {
    MFADevices: page.items.map((row) => ({ UserName: user.name, SerialNumber: row.serial, EnableDate: new Date(row.enabled_at ?? 0) })),
    ...pageResponse(page.next),
  };
};

export const TagMFADevice: Handler<Input<TagMFADeviceRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const device = await requireDevice(tx, context, input.SerialNumber);
    await putTags(tx, TAG_TYPE, device.serial, input.Tags);
  });
};

export const UntagMFADevice: Handler<Input<UntagMFADeviceRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const device = await requireDevice(tx, context, input.SerialNumber);
    await removeTags(tx, TAG_TYPE, device.serial, input.TagKeys);
  });
};

export const ListMFADeviceTags: Handler<Input<ListMFADeviceTagsRequest>, ListMFADeviceTagsResponse> = async (input, context) => {
  const device = await requireDevice(context.store.db, context, input.SerialNumber);
  return listTagsPage(context.store.db, TAG_TYPE, device.serial, input);
};

/**
 * Checks a one-time code from a user's enabled MFA device, as GetSessionToken and AssumeRole do
 * (one time step of drift either way). AWS answers a wrong code with AccessDenied.
 */
export async function verifyMfaCode(db: Db, context: OperationContext, userId: string, serial: string, code: string): Promise<void> {
  const device = await db.selectFrom('mfa_devices').select('seed_sealed').where('serial', '=', serial).where('user_id', '=', userId).executeTakeFirst();
  const current = timeStep(context.clock.now());
  const seed = device ? base32Decode(context.sealer.open(device.seed_sealed)) : undefined;
  if (!seed || ![current - 1, current, current + 1].some((step) => codeMatches(seed, step, code))) {
    throw new AccessDenied('MultiFactorAuthentication failed with invalid MFA one time pass code.');
  }
}
