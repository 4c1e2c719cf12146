/** Virtual MFA devices through the real SDK, on SQLite and PostgreSQL, with the server's clock in hand. */
import { createHmac } from 'node:crypto';
import {
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeactivateMFADeviceCommand,
  DeleteUserCommand,
  DeleteVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  ListMFADevicesCommand,
  ListMFADeviceTagsCommand,
  ListVirtualMFADevicesCommand,
  TagMFADeviceCommand,
  UntagMFADeviceCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp } from '../../src/iam/totp.js';
import { ManualClock } from '../../src/shared/clock.js';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

// The test's own RFC 6238 / RFC 4226 code, written apart from the server's so that each checks the other.
function referenceTotp(key: Uint8Array, step: number, digits = 6): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[19]! & 0xf;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

function referenceBase32Decode(text: string): Buffer {
  const bits = [...text].map((c) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.indexOf(c).toString(2).padStart(5, '0')).join('');
  return Buffer.from(bits.match(/.{8}/g)?.map((byte) => parseInt(byte, 2)) ?? []);
}

// RFC 6238 Appendix B, the SHA-1 rows: seed "12345678901234567890", 8 digits, 30-second steps.
const RFC6238_SHA1 = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
] as const;
const RFC_SEED = Buffer.from('12345678901234567890', 'ascii');

describe('TOTP (RFC 6238)', () => {
  it("the test's reference implementation gives the RFC's SHA-1 test vectors", () => {
    for (const [seconds, code] of RFC6238_SHA1) expect(referenceTotp(RFC_SEED, Math.floor(seconds / 30), 8)).toBe(code);
  });

  it("the server's implementation gives the same vectors", () => {
    for (const [seconds, code] of RFC6238_SHA1) expect(hotp(RFC_SEED, Math.floor(seconds / 30), 8)).toBe(code);
  });

  it('base32 follows RFC 4648 (its test vectors, unpadded) and round-trips', () => {
    const vectors = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']] as const;
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded);
      expect(base32Decode(encoded).toString()).toBe(plain);
    }
  });
});

describe.each(BACKENDS)('virtual MFA devices on %s', (backend) => {
  // Five minutes ahead of the wall clock: within SigV4's skew, but in other TOTP steps, so codes
  // only work if the server reads its injected clock.
  const clock = new ManualClock(Date.now() + 5 * 60_000);
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend, { clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function newDevice(name: string, path?: string): Promise<{ serial: string; seed: Buffer }> {
    const { VirtualMFADevice } = await t.iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: name, Path: path }));
    const text = Buffer.from(VirtualMFADevice?.Base32StringSeed ?? new Uint8Array()).toString('ascii');
    return { serial: VirtualMFADevice?.SerialNumber ?? '', seed: referenceBase32Decode(text) };
  }

  /** The two codes of a device at `offset` steps from the server's current step and the next. */
  function codes(seed: Buffer, offset = -1): { AuthenticationCode1: string; AuthenticationCode2: string } {
    const step = Math.floor(clock.now() / 30_000) + offset;
    return { AuthenticationCode1: referenceTotp(seed, step), AuthenticationCode2: referenceTotp(seed, step + 1) };
  }

  it('creates a device with its serial ARN and a base32 seed, sealed at rest', async () => {
    const { VirtualMFADevice } = await t.iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'phone', Path: '/eng/' }));
    expect(VirtualMFADevice?.SerialNumber).toBe(`arn:aws:iam::${t.accountId}:mfa/eng/phone`);
    const seed = Buffer.from(VirtualMFADevice?.Base32StringSeed ?? new Uint8Array()).toString('ascii');
    expect(seed).toMatch(/^[A-Z2-7]{64}$/);
    const row = await t.server.store.db.selectFrom('mfa_devices').select('seed_sealed').where('serial', '=', VirtualMFADevice?.SerialNumber ?? '').executeTakeFirstOrThrow();
    expect(row.seed_sealed).not.toContain(seed);
    const unassigned = await t.iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }));
    expect(unassigned.VirtualMFADevices?.map((d) => d.SerialNumber)).toContain(VirtualMFADevice?.SerialNumber);
    expect(unassigned.VirtualMFADevices?.[0]?.Base32StringSeed).toBeUndefined();
  });

  it('refuses a second device at the same path and name', async () => {
    const error = await failure(t.iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'phone', Path: '/eng/' })));
    expect(error).toMatchObject({ name: 'EntityAlreadyExists', status: 409 });
  });

  it('answers ValidationError for a name outside the pattern', async () => {
    const error = await failure(t.iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'my phone' })));
    expect(error).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('enables a device with two consecutive codes of the current steps', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'alice' }));
    const device = await newDevice('alice-phone');
    await t.iam.send(new EnableMFADeviceCommand({ UserName: 'alice', SerialNumber: device.serial, ...codes(device.seed) }));
    const listed = await t.iam.send(new ListMFADevicesCommand({ UserName: 'alice' }));
    expect(listed.MFADevices).toEqual([{ UserName: 'alice', SerialNumber: device.serial, EnableDate: new Date(clock.now()) }]);
    const assigned = await t.iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned' }));
    expect(assigned.VirtualMFADevices?.map((d) => [d.SerialNumber, d.User?.UserName])).toEqual([[device.serial, 'alice']]);
  });

  it('refuses codes that are wrong, swapped, or outside one step of the clock with InvalidAuthenticationCode', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'bob' }));
    const device = await newDevice('bob-phone');
    const good = codes(device.seed);
    const attempts = [
      { AuthenticationCode1: good.AuthenticationCode1, AuthenticationCode2: good.AuthenticationCode1 },
      { AuthenticationCode1: good.AuthenticationCode2, AuthenticationCode2: good.AuthenticationCode1 },
      codes(device.seed, -2),
      codes(device.seed, 1),
      { AuthenticationCode1: referenceTotp(device.seed, Math.floor(Date.now() / 30_000)), AuthenticationCode2: referenceTotp(device.seed, Math.floor(Date.now() / 30_000) + 1) },
    ];
    for (const attempt of attempts) {
      const error = await failure(t.iam.send(new EnableMFADeviceCommand({ UserName: 'bob', SerialNumber: device.serial, ...attempt })));
      expect(error).toMatchObject({ name: 'InvalidAuthenticationCode', status: 403, message: 'Authentication code for device is not valid.' });
    }
    // The current step and the next are accepted too: the device's clock may run a little ahead.
    await t.iam.send(new EnableMFADeviceCommand({ UserName: 'bob', SerialNumber: device.serial, ...codes(device.seed, 0) }));
  });

  it('follows the clock: codes that were good stop working a minute later', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'carol' }));
    const device = await newDevice('carol-phone');
    const earlier = codes(device.seed);
    clock.advance(60_000);
    const error = await failure(t.iam.send(new EnableMFADeviceCommand({ UserName: 'carol', SerialNumber: device.serial, ...earlier })));
    expect(error.name).toBe('InvalidAuthenticationCode');
    await t.iam.send(new EnableMFADeviceCommand({ UserName: 'carol', SerialNumber: device.serial, ...codes(device.seed) }));
  });

  it('refuses a device already in use, a missing device and a missing user', async () => {
    const alice = (await t.iam.send(new ListMFADevicesCommand({ UserName: 'alice' }))).MFADevices?.[0]?.SerialNumber ?? '';
    const inUse = await failure(t.iam.send(new EnableMFADeviceCommand({ UserName: 'bob', SerialNumber: alice, AuthenticationCode1: '123456', AuthenticationCode2: '654321' })));
    expect(inUse).toMatchObject({ name: 'EntityAlreadyExists', status: 409 });
    const missing = `arn:aws:iam::${t.accountId}:mfa/nothing`;
    const noDevice = await failure(t.iam.send(new EnableMFADeviceCommand({ UserName: 'bob', SerialNumber: missing, AuthenticationCode1: '123456', AuthenticationCode2: '654321' })));
    expect(noDevice).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    const device = await newDevice('spare');
    const noUser = await failure(t.iam.send(new EnableMFADeviceCommand({ UserName: 'nobody', SerialNumber: device.serial, ...codes(device.seed) })));
    expect(noUser).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    const badCode = await failure(t.iam.send(new EnableMFADeviceCommand({ UserName: 'bob', SerialNumber: device.serial, AuthenticationCode1: '12345a', AuthenticationCode2: '123456' })));
    expect(badCode).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('gives a user at most eight MFA devices', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'collector' }));
    for (let i = 0; i < 8; i++) {
      const device = await newDevice(`collector-${i}`);
      await t.iam.send(new EnableMFADeviceCommand({ UserName: 'collector', SerialNumber: device.serial, ...codes(device.seed) }));
    }
    const ninth = await newDevice('collector-8');
    const error = await failure(t.iam.send(new EnableMFADeviceCommand({ UserName: 'collector', SerialNumber: ninth.serial, ...codes(ninth.seed) })));
    expect(error).toMatchObject({ name: 'LimitExceeded', status: 409 });
  });

  it('keeps an enabled device from deletion, and its user too, until it is deactivated', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'dave' }));
    const device = await newDevice('dave-phone');
    await t.iam.send(new EnableMFADeviceCommand({ UserName: 'dave', SerialNumber: device.serial, ...codes(device.seed) }));
    expect(await failure(t.iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: device.serial })))).toMatchObject({ name: 'DeleteConflict', status: 409 });
    expect(await failure(t.iam.send(new DeleteUserCommand({ UserName: 'dave' })))).toMatchObject({ name: 'DeleteConflict', status: 409 });
    expect(await failure(t.iam.send(new DeactivateMFADeviceCommand({ UserName: 'alice', SerialNumber: device.serial })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    await t.iam.send(new DeactivateMFADeviceCommand({ UserName: 'dave', SerialNumber: device.serial }));
    expect((await t.iam.send(new ListMFADevicesCommand({ UserName: 'dave' }))).MFADevices).toEqual([]);
    const unassigned = await t.iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }));
    expect(unassigned.VirtualMFADevices?.map((d) => d.SerialNumber)).toContain(device.serial);
    await t.iam.send(new DeleteUserCommand({ UserName: 'dave' }));
    await t.iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: device.serial }));
    expect(await failure(t.iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: device.serial })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('lists every device a page at a time', async () => {
    const all = await t.iam.send(new ListVirtualMFADevicesCommand({}));
    const first = await t.iam.send(new ListVirtualMFADevicesCommand({ MaxItems: 3 }));
    expect(first.IsTruncated).toBe(true);
    const rest = await t.iam.send(new ListVirtualMFADevicesCommand({ Marker: first.Marker }));
    expect([...(first.VirtualMFADevices ?? []), ...(rest.VirtualMFADevices ?? [])].map((d) => d.SerialNumber)).toEqual(all.VirtualMFADevices?.map((d) => d.SerialNumber));
    expect(all.VirtualMFADevices?.length).toBeGreaterThan(10);
  });

  it('tags devices, at creation and later', async () => {
    const { VirtualMFADevice } = await t.iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'tagged', Tags: [{ Key: 'owner', Value: 'ops' }] }));
    const serial = VirtualMFADevice?.SerialNumber ?? '';
    expect(VirtualMFADevice?.Tags).toEqual([{ Key: 'owner', Value: 'ops' }]);
    await t.iam.send(new TagMFADeviceCommand({ SerialNumber: serial, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    await t.iam.send(new UntagMFADeviceCommand({ SerialNumber: serial, TagKeys: ['a'] }));
    const first = await t.iam.send(new ListMFADeviceTagsCommand({ SerialNumber: serial, MaxItems: 1 }));
    expect(first).toMatchObject({ Tags: [{ Key: 'b', Value: '2' }], IsTruncated: true });
    const second = await t.iam.send(new ListMFADeviceTagsCommand({ SerialNumber: serial, Marker: first.Marker }));
    expect(second).toMatchObject({ Tags: [{ Key: 'owner', Value: 'ops' }], IsTruncated: false });
    const missing = await failure(t.iam.send(new TagMFADeviceCommand({ SerialNumber: `arn:aws:iam::${t.accountId}:mfa/none`, Tags: [{ Key: 'a', Value: '1' }] })));
    expect(missing).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });
});
