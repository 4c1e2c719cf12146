/**
 * One user's MFA device: GetMFADevice describes it, ResyncMFADevice checks two consecutive codes
 * from it (IAM API Reference, "GetMFADevice", "ResyncMFADevice"). Devices are made and enabled in
 * mfa.ts.
 */
import type { GetMFADeviceRequest, GetMFADeviceResponse, ResyncMFADeviceRequest } from '@aws-sdk/client-iam';
import type { Db } from '../store/store.js';
import type { Handler, Input, OperationContext } from './context.js';
import { InvalidAuthenticationCode, NoSuchEntity } from './errors.js';
import { base32Decode, codeMatches, timeStep } from './totp.js';
import { requireUser } from './users.js';

/**
 * How far, in time steps either way, ResyncMFADevice looks for the two codes: resynchronizing is
 * for a device whose clock has drifted beyond the one step the other checks allow. Ten steps is
 * five minutes.
 */
const RESYNC_WINDOW_STEPS = 10;

/** The enabled device with this serial number of the named user (or, without a name, of whichever user has it). */
async function requireAssignedDevice(db: Db, context: OperationContext, serial: string, userName: string | undefined) {
  const user = userName === undefined ? undefined : await requireUser(db, context, userName);
  const device = await db
    .selectFrom('mfa_devices')
    .leftJoin('users', 'users.id', 'mfa_devices.user_id')
    .select(['mfa_devices.serial', 'mfa_devices.seed_sealed', 'mfa_devices.enabled_at', 'mfa_devices.user_id', 'users.name as user_name'])
    .where('mfa_devices.serial', '=', serial)
    .where('mfa_devices.account_id', '=', context.caller.accountId)
    .executeTakeFirst();
  if (!device || device.user_id === null || (user !== undefined && device.user_id !== user.id)) {
    throw new NoSuchEntity(`MFA Device with serial number ${serial} does not exist.`);
  }
  return device;
}

export const GetMFADevice: Handler<Input<GetMFADeviceRequest>, GetMFADeviceResponse> = async (input, context) => {
  const device = await requireAssignedDevice(context.store.db, context, input.SerialNumber, input.UserName);
  // Certifications are for FIDO security keys; a virtual device has none, so the member is left out.
  return {
    ...(device.user_name !== null && { UserName: device.user_name }),
    SerialNumber: device.serial,
    ...(device.enabled_at !== null && { EnableDate: new Date(device.enabled_at) }),
  };
};

export const ResyncMFADevice: Handler<Input<ResyncMFADeviceRequest>, void> = async (input, context) => {
  const device = await requireAssignedDevice(context.store.db, context, input.SerialNumber, input.UserName);
  const seed = base32Decode(context.sealer.open(device.seed_sealed));
  const current = timeStep(context.clock.now());
  let found = false;
  for (let step = current - RESYNC_WINDOW_STEPS; step <= current + RESYNC_WINDOW_STEPS && !found; step++) {
    found = codeMatches(seed, step, input.AuthenticationCode1) && codeMatches(seed, step + 1, input.AuthenticationCode2);
  }
  // The server checks codes against its own clock, so there is no drift to record: a successful
  // resync proves the device still produces its codes.
  if (!found) throw new InvalidAuthenticationCode('Authentication code for device is not valid.');
};
