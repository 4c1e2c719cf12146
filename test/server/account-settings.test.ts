/** Account aliases, the password policy, the account summary, STS preferences and one MFA device, through the real SDK on SQLite and PostgreSQL. */
import {
  AttachUserPolicyCommand,
  CreateAccountAliasCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteAccountAliasCommand,
  DeleteAccountPasswordPolicyCommand,
  EnableMFADeviceCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetMFADeviceCommand,
  ListAccountAliasesCommand,
  ResyncMFADeviceCommand,
  SetSecurityTokenServicePreferencesCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, hotp } from '../../src/iam/totp.js';
import { ManualClock } from '../../src/shared/clock.js';
import { BACKENDS, createSecondAccount, failure, startTestServer, type TestServer } from '../helpers/server.js';

describe.each(BACKENDS)('account settings on %s', (backend) => {
  const clock = new ManualClock(Date.now());
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend, { clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('account alias', () => {
    it('an account has no alias until one is created, then lists it', async () => {
      expect(await t.iam.send(new ListAccountAliasesCommand({}))).toMatchObject({ AccountAliases: [], IsTruncated: false });
      await t.iam.send(new CreateAccountAliasCommand({ AccountAlias: 'example-corp' }));
      expect((await t.iam.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual(['example-corp']);
      // Creating the same alias again changes nothing.
      await t.iam.send(new CreateAccountAliasCommand({ AccountAlias: 'example-corp' }));
    });

    it('refuses a second alias for the account and an alias another account holds with EntityAlreadyExists', async () => {
      expect(await failure(t.iam.send(new CreateAccountAliasCommand({ AccountAlias: 'other-name' })))).toMatchObject({ name: 'EntityAlreadyExists', status: 409 });
      const second = await createSecondAccount(t);
      expect(await failure(second.iam.send(new CreateAccountAliasCommand({ AccountAlias: 'example-corp' })))).toMatchObject({ name: 'EntityAlreadyExists', status: 409 });
      expect((await second.iam.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual([]);
    });

    it('refuses an alias outside AWS pattern with ValidationError', async () => {
      for (const alias of ['Upper-Case', 'ab', 'double--dash', '-leading']) {
        expect(await failure(t.iam.send(new CreateAccountAliasCommand({ AccountAlias: alias })))).toMatchObject({ name: 'ValidationError', status: 400 });
      }
    });

    it('deletes the alias, and answers NoSuchEntity for an alias the account does not have', async () => {
      expect(await failure(t.iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'other-name' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
      await t.iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'example-corp' }));
      expect((await t.iam.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual([]);
      expect(await failure(t.iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'example-corp' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    });
  });

  describe('password policy', () => {
    it('answers NoSuchEntity while the account has no policy', async () => {
      expect(await failure(t.iam.send(new GetAccountPasswordPolicyCommand({})))).toMatchObject({
        name: 'NoSuchEntity',
        status: 404,
        message: `The Password Policy with domain name ${t.accountId} cannot be found.`,
      });
      expect(await failure(t.iam.send(new DeleteAccountPasswordPolicyCommand({})))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    });

    it('stores the policy with AWS field names and defaults for the members left out', async () => {
      await t.iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 12, RequireNumbers: true, MaxPasswordAge: 90, PasswordReusePrevention: 5, HardExpiry: false, AllowUsersToChangePassword: true }));
      const { PasswordPolicy } = await t.iam.send(new GetAccountPasswordPolicyCommand({}));
      expect(PasswordPolicy).toEqual({
        MinimumPasswordLength: 12,
        RequireSymbols: false,
        RequireNumbers: true,
        RequireUppercaseCharacters: false,
        RequireLowercaseCharacters: false,
        AllowUsersToChangePassword: true,
        ExpirePasswords: true,
        MaxPasswordAge: 90,
        PasswordReusePrevention: 5,
        HardExpiry: false,
      });
      // An update replaces the whole policy: what it leaves out returns to the defaults.
      await t.iam.send(new UpdateAccountPasswordPolicyCommand({ RequireSymbols: true }));
      expect((await t.iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy).toEqual({
        MinimumPasswordLength: 6,
        RequireSymbols: true,
        RequireNumbers: false,
        RequireUppercaseCharacters: false,
        RequireLowercaseCharacters: false,
        AllowUsersToChangePassword: false,
        ExpirePasswords: false,
      });
    });

    it('refuses values outside the model ranges with ValidationError', async () => {
      expect(await failure(t.iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 5 })))).toMatchObject({ name: 'ValidationError', status: 400 });
      expect(await failure(t.iam.send(new UpdateAccountPasswordPolicyCommand({ PasswordReusePrevention: 25 })))).toMatchObject({ name: 'ValidationError', status: 400 });
    });

    it('CreateLoginProfile refuses a password the policy does not allow with PasswordPolicyViolation, and takes a compliant one', async () => {
      await t.iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 14, RequireUppercaseCharacters: true, RequireNumbers: true }));
      await t.iam.send(new CreateUserCommand({ UserName: 'pw-user' }));
      const short = await failure(t.iam.send(new CreateLoginProfileCommand({ UserName: 'pw-user', Password: 'Short1pass' })));
      expect(short).toMatchObject({ name: 'PasswordPolicyViolation', status: 400 });
      const noDigit = await failure(t.iam.send(new CreateLoginProfileCommand({ UserName: 'pw-user', Password: 'LongEnoughPassword' })));
      expect(noDigit).toMatchObject({ name: 'PasswordPolicyViolation', status: 400 });
      const created = await t.iam.send(new CreateLoginProfileCommand({ UserName: 'pw-user', Password: 'LongEnough1Password' }));
      expect(created.LoginProfile?.UserName).toBe('pw-user');
    });

    it('deletes the policy', async () => {
      await t.iam.send(new DeleteAccountPasswordPolicyCommand({}));
      expect(await failure(t.iam.send(new GetAccountPasswordPolicyCommand({})))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    });
  });

  describe('account summary', () => {
    it('reports every key AWS returns, with its quotas', async () => {
      const { SummaryMap } = await t.iam.send(new GetAccountSummaryCommand({}));
      expect(Object.keys(SummaryMap ?? {}).sort()).toEqual(
        [
          'AccessKeysPerUserQuota', 'AccountAccessKeysPresent', 'AccountMFAEnabled', 'AccountSigningCertificatesPresent', 'AssumeRolePolicySizeQuota',
          'AttachedPoliciesPerGroupQuota', 'AttachedPoliciesPerRoleQuota', 'AttachedPoliciesPerUserQuota', 'GlobalEndpointTokenVersion', 'GroupPolicySizeQuota',
          'Groups', 'GroupsPerUserQuota', 'GroupsQuota', 'InstanceProfiles', 'InstanceProfilesQuota', 'MFADevices', 'MFADevicesInUse', 'Policies',
          'PoliciesQuota', 'PolicySizeQuota', 'PolicyVersionsInUse', 'PolicyVersionsInUseQuota', 'Providers', 'RolePolicySizeQuota', 'Roles', 'RolesQuota',
          'ServerCertificates', 'ServerCertificatesQuota', 'SigningCertificatesPerUserQuota', 'UserPolicySizeQuota', 'Users', 'UsersQuota', 'VersionsPerPolicyQuota',
        ].sort(),
      );
      expect(SummaryMap).toMatchObject({ AttachedPoliciesPerUserQuota: 10, AccessKeysPerUserQuota: 2, UsersQuota: 5000, GroupsQuota: 300, PolicySizeQuota: 6144, VersionsPerPolicyQuota: 5, AccountMFAEnabled: 0 });
      // The bootstrap gave the root an access key.
      expect(SummaryMap?.['AccountAccessKeysPresent']).toBe(1);
    });

    it('counts move as users, groups, attachments and MFA devices are created', async () => {
      const before = (await t.iam.send(new GetAccountSummaryCommand({}))).SummaryMap ?? {};
      await t.iam.send(new CreateUserCommand({ UserName: 'counted' }));
      await t.iam.send(new CreateGroupCommand({ GroupName: 'counted-group' }));
      await t.iam.send(new AttachUserPolicyCommand({ UserName: 'counted', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
      await t.iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'counted-phone' }));
      const after = (await t.iam.send(new GetAccountSummaryCommand({}))).SummaryMap ?? {};
      expect(after['Users']).toBe((before['Users'] ?? -1) + 1);
      expect(after['Groups']).toBe((before['Groups'] ?? -1) + 1);
      expect(after['PolicyVersionsInUse']).toBe((before['PolicyVersionsInUse'] ?? -1) + 1);
      expect(after['MFADevices']).toBe((before['MFADevices'] ?? -1) + 1);
      expect(after['MFADevicesInUse']).toBe(before['MFADevicesInUse']);
      expect(after['Roles']).toBe(before['Roles']);
    });
  });

  describe('STS preferences', () => {
    it('records the global endpoint token version, which the summary reports', async () => {
      expect((await t.iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.['GlobalEndpointTokenVersion']).toBe(1);
      await t.iam.send(new SetSecurityTokenServicePreferencesCommand({ GlobalEndpointTokenVersion: 'v2Token' }));
      expect((await t.iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.['GlobalEndpointTokenVersion']).toBe(2);
      await t.iam.send(new SetSecurityTokenServicePreferencesCommand({ GlobalEndpointTokenVersion: 'v1Token' }));
      expect((await t.iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.['GlobalEndpointTokenVersion']).toBe(1);
    });

    it('refuses a version outside the enum with ValidationError', async () => {
      const error = await failure(t.iam.send(new SetSecurityTokenServicePreferencesCommand({ GlobalEndpointTokenVersion: 'v3Token' as 'v1Token' })));
      expect(error).toMatchObject({ name: 'ValidationError', status: 400 });
    });
  });

  describe('one MFA device', () => {
    let serial = '';
    let seed: Uint8Array = new Uint8Array(0);
    const codes = (offset: number) => {
      const step = Math.floor(clock.now() / 30_000) + offset;
      return { AuthenticationCode1: hotp(seed, step), AuthenticationCode2: hotp(seed, step + 1) };
    };

    beforeAll(async () => {
      await t.iam.send(new CreateUserCommand({ UserName: 'mfa-user' }));
      const { VirtualMFADevice } = await t.iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'mfa-user-phone' }));
      serial = VirtualMFADevice?.SerialNumber ?? '';
      seed = base32Decode(Buffer.from(VirtualMFADevice?.Base32StringSeed ?? new Uint8Array()).toString('ascii'));
    });

    it('GetMFADevice answers NoSuchEntity for a device not enabled for the user', async () => {
      expect(await failure(t.iam.send(new GetMFADeviceCommand({ SerialNumber: serial, UserName: 'mfa-user' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    });

    it('GetMFADevice describes an enabled device with its enable date, and the summary counts it in use', async () => {
      await t.iam.send(new EnableMFADeviceCommand({ UserName: 'mfa-user', SerialNumber: serial, ...codes(-1) }));
      const device = await t.iam.send(new GetMFADeviceCommand({ SerialNumber: serial, UserName: 'mfa-user' }));
      expect(device).toMatchObject({ UserName: 'mfa-user', SerialNumber: serial, EnableDate: new Date(clock.now()) });
      expect(device.Certifications).toBeUndefined();
      expect(await failure(t.iam.send(new GetMFADeviceCommand({ SerialNumber: serial, UserName: 'counted' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
      expect((await t.iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.['MFADevicesInUse']).toBe(1);
    });

    it('ResyncMFADevice takes two consecutive codes of a drifted device', async () => {
      await t.iam.send(new ResyncMFADeviceCommand({ UserName: 'mfa-user', SerialNumber: serial, ...codes(-5) }));
      await t.iam.send(new ResyncMFADeviceCommand({ UserName: 'mfa-user', SerialNumber: serial, ...codes(3) }));
    });

    it('ResyncMFADevice refuses codes that are not consecutive, or far from the clock, with InvalidAuthenticationCode', async () => {
      const good = codes(0);
      for (const attempt of [{ AuthenticationCode1: good.AuthenticationCode2, AuthenticationCode2: good.AuthenticationCode1 }, codes(-40), codes(40)]) {
        const error = await failure(t.iam.send(new ResyncMFADeviceCommand({ UserName: 'mfa-user', SerialNumber: serial, ...attempt })));
        expect(error).toMatchObject({ name: 'InvalidAuthenticationCode', status: 403 });
      }
    });

    it('ResyncMFADevice answers NoSuchEntity for an unknown user or a device the user does not have', async () => {
      expect(await failure(t.iam.send(new ResyncMFADeviceCommand({ UserName: 'nobody', SerialNumber: serial, ...codes(0) })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
      expect(await failure(t.iam.send(new ResyncMFADeviceCommand({ UserName: 'counted', SerialNumber: serial, ...codes(0) })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    });
  });
});
