/**
 * Account-wide settings: the account alias, the password policy, the account summary and the STS
 * token-version preference (IAM API Reference, "CreateAccountAlias", "UpdateAccountPasswordPolicy",
 * "GetAccountSummary", "SetSecurityTokenServicePreferences").
 */
import type {
  CreateAccountAliasRequest,
  DeleteAccountAliasRequest,
  GetAccountPasswordPolicyResponse,
  GetAccountSummaryResponse,
  ListAccountAliasesRequest,
  ListAccountAliasesResponse,
  PasswordPolicy,
  SetSecurityTokenServicePreferencesRequest,
  SummaryKeyType,
  UpdateAccountPasswordPolicyRequest,
} from '@aws-sdk/client-iam';
import { isUniqueViolation, type Db } from '../store/store.js';
import { ACCESS_KEYS_PER_USER } from './access-keys.js';
import type { Handler, Input } from './context.js';
import { EntityAlreadyExists, NoSuchEntity } from './errors.js';
import { GROUPS_PER_USER } from './groups.js';
import { MAX_INSTANCE_PROFILES } from './instance-profiles.js';
import { MANAGED_POLICY_SIZE, MAX_POLICY_VERSIONS } from './managed-policies.js';
import { MAX_ROLES } from './roles.js';

// ---------------------------------------------------------------------------------------------
// Account alias: one per account, unique across the server (accounts.alias is UNIQUE).

export const CreateAccountAlias: Handler<Input<CreateAccountAliasRequest>, void> = async (input, context) => {
  const accountId = context.caller.accountId;
  try {
    await context.store.transaction(async (tx) => {
      const account = await tx.selectFrom('accounts').select('alias').where('id', '=', accountId).executeTakeFirstOrThrow();
      // Creating the alias the account already has changes nothing; an account has one alias at most
      // (IAM UG, "Your AWS account ID and its alias").
      if (account.alias === input.AccountAlias) return;
      if (account.alias !== null) throw new EntityAlreadyExists(`The account already has the alias ${account.alias}: delete it first.`);
      await tx.updateTable('accounts').set({ alias: input.AccountAlias }).where('id', '=', accountId).execute();
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new EntityAlreadyExists(`The account alias ${input.AccountAlias} already exists.`);
    throw error;
  }
};

export const DeleteAccountAlias: Handler<Input<DeleteAccountAliasRequest>, void> = async (input, context) => {
  const deleted = await context.store.db.updateTable('accounts').set({ alias: null }).where('id', '=', context.caller.accountId).where('alias', '=', input.AccountAlias).executeTakeFirst();
  if (Number(deleted.numUpdatedRows) === 0) throw new NoSuchEntity(`The account alias ${input.AccountAlias} cannot be found.`);
};

export const ListAccountAliases: Handler<Input<ListAccountAliasesRequest>, ListAccountAliasesResponse> = async (_input, context) => {
  const account = await context.store.db.selectFrom('accounts').select('alias').where('id', '=', context.caller.accountId).executeTakeFirst();
  // At most one alias: a single page, never truncated.
  return { AccountAliases: account?.alias ? [account.alias] : [], IsTruncated: false };
};

// ---------------------------------------------------------------------------------------------
// Password policy: stored as JSON in accounts.password_policy, with the PasswordPolicy shape's
// member names, which passwords.ts reads when a password is set.

/** A custom policy without MinimumPasswordLength requires 6 characters (IAM API, "UpdateAccountPasswordPolicy"). */
const DEFAULT_MINIMUM_LENGTH = 6;

export const UpdateAccountPasswordPolicy: Handler<Input<UpdateAccountPasswordPolicyRequest>, void> = async (input, context) => {
  // Members left out take their defaults, not their previous values (IAM API, "UpdateAccountPasswordPolicy").
  const maxAge = input.MaxPasswordAge ?? 0;
  const policy: PasswordPolicy = {
    MinimumPasswordLength: input.MinimumPasswordLength ?? DEFAULT_MINIMUM_LENGTH,
    RequireSymbols: input.RequireSymbols ?? false,
    RequireNumbers: input.RequireNumbers ?? false,
    RequireUppercaseCharacters: input.RequireUppercaseCharacters ?? false,
    RequireLowercaseCharacters: input.RequireLowercaseCharacters ?? false,
    AllowUsersToChangePassword: input.AllowUsersToChangePassword ?? false,
    ExpirePasswords: maxAge > 0,
    ...(maxAge > 0 && { MaxPasswordAge: maxAge }),
    ...(input.PasswordReusePrevention !== undefined && input.PasswordReusePrevention > 0 && { PasswordReusePrevention: input.PasswordReusePrevention }),
    ...(input.HardExpiry !== undefined && { HardExpiry: input.HardExpiry }),
  };
  await context.store.db.updateTable('accounts').set({ password_policy: JSON.stringify(policy) }).where('id', '=', context.caller.accountId).execute();
};

/** AWS names the account's ID: "The Password Policy with domain name 123456789012 cannot be found." */
const noPolicy = (accountId: string): string => `The Password Policy with domain name ${accountId} cannot be found.`;

export const GetAccountPasswordPolicy: Handler<Input<object>, GetAccountPasswordPolicyResponse> = async (_input, context) => {
  const account = await context.store.db.selectFrom('accounts').select('password_policy').where('id', '=', context.caller.accountId).executeTakeFirst();
  if (!account?.password_policy) throw new NoSuchEntity(noPolicy(context.caller.accountId));
  // Written only by UpdateAccountPasswordPolicy above.
  return { PasswordPolicy: JSON.parse(account.password_policy) as PasswordPolicy };
};

export const DeleteAccountPasswordPolicy: Handler<Input<object>, void> = async (_input, context) => {
  const deleted = await context.store.db.updateTable('accounts').set({ password_policy: null }).where('id', '=', context.caller.accountId).where('password_policy', 'is not', null).executeTakeFirst();
  if (Number(deleted.numUpdatedRows) === 0) throw new NoSuchEntity(noPolicy(context.caller.accountId));
};

// ---------------------------------------------------------------------------------------------
// STS preferences: the version of the tokens the global endpoint issues. Recorded per account in
// the settings table; this server has no regional endpoints, so the preference has no other effect.

const TOKEN_VERSION_KEY = 'sts_global_endpoint_token_version:';

/** The account's GlobalEndpointTokenVersion: v1Token unless set (IAM API, "SetSecurityTokenServicePreferences"). */
export async function globalEndpointTokenVersion(db: Db, accountId: string): Promise<'v1Token' | 'v2Token'> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', TOKEN_VERSION_KEY + accountId).executeTakeFirst();
  return row?.value === 'v2Token' ? 'v2Token' : 'v1Token';
}

export const SetSecurityTokenServicePreferences: Handler<Input<SetSecurityTokenServicePreferencesRequest>, void> = async (input, context) => {
  const key = TOKEN_VERSION_KEY + context.caller.accountId;
  await context.store.db
    .insertInto('settings')
    .values({ key, value: input.GlobalEndpointTokenVersion })
    .onConflict((c) => c.column('key').doUpdateSet({ value: input.GlobalEndpointTokenVersion }))
    .execute();
};

// ---------------------------------------------------------------------------------------------
// Account summary: the account's counts from the store, and AWS's quotas (IAM UG, "IAM and AWS STS
// quotas"; IAM API, "GetAccountSummary", whose example lists the keys AWS returns).

/** AWS's default quotas, as GetAccountSummary reports them. */
const QUOTAS = {
  UsersQuota: 5000,
  GroupsQuota: 300,
  RolesQuota: MAX_ROLES,
  PoliciesQuota: 1500,
  InstanceProfilesQuota: MAX_INSTANCE_PROFILES,
  ServerCertificatesQuota: 20,
  PolicyVersionsInUseQuota: 10000,
  VersionsPerPolicyQuota: MAX_POLICY_VERSIONS,
  PolicySizeQuota: MANAGED_POLICY_SIZE,
  UserPolicySizeQuota: 2048,
  GroupPolicySizeQuota: 5120,
  RolePolicySizeQuota: 10240,
  AssumeRolePolicySizeQuota: 2048,
  GroupsPerUserQuota: GROUPS_PER_USER,
  AttachedPoliciesPerUserQuota: 10,
  AttachedPoliciesPerGroupQuota: 10,
  AttachedPoliciesPerRoleQuota: 10,
  AccessKeysPerUserQuota: ACCESS_KEYS_PER_USER,
  SigningCertificatesPerUserQuota: 2,
} as const satisfies Partial<Record<SummaryKeyType, number>>;

async function count(query: { executeTakeFirstOrThrow(): Promise<{ count: number | string | bigint }> }): Promise<number> {
  return Number((await query.executeTakeFirstOrThrow()).count);
}

export const GetAccountSummary: Handler<Input<object>, GetAccountSummaryResponse> = async (_input, context) => {
  const db = context.store.db;
  const accountId = context.caller.accountId;
  const countAll = (table: 'users' | 'groups' | 'roles' | 'policies' | 'instance_profiles' | 'oidc_providers' | 'saml_providers') =>
    count(db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('count')).where('account_id', '=', accountId));
  const [Users, Groups, Roles, Policies, InstanceProfiles, oidc, saml] = await Promise.all(
    (['users', 'groups', 'roles', 'policies', 'instance_profiles', 'oidc_providers', 'saml_providers'] as const).map(countAll),
  );
  // Managed policies (customer and AWS managed) attached to the account's users, groups and roles:
  // each attachment puts one policy version in use.
  const principals = db
    .selectFrom('users')
    .select('id')
    .where('account_id', '=', accountId)
    .union(db.selectFrom('groups').select('id').where('account_id', '=', accountId))
    .union(db.selectFrom('roles').select('id').where('account_id', '=', accountId));
  const PolicyVersionsInUse = await count(db.selectFrom('attachments').select((eb) => eb.fn.countAll<number>().as('count')).where('principal_id', 'in', principals));
  const MFADevices = await count(db.selectFrom('mfa_devices').select((eb) => eb.fn.countAll<number>().as('count')).where('account_id', '=', accountId));
  const MFADevicesInUse = await count(
    db.selectFrom('mfa_devices').select((eb) => eb.fn.countAll<number>().as('count')).where('account_id', '=', accountId).where('user_id', 'is not', null).where('user_id', '!=', accountId),
  );
  // The root's own MFA device and access keys: those owned by the account id itself.
  const rootMfa = await count(db.selectFrom('mfa_devices').select((eb) => eb.fn.countAll<number>().as('count')).where('account_id', '=', accountId).where('user_id', '=', accountId));
  const rootKeys = await count(
    db.selectFrom('access_keys').select((eb) => eb.fn.countAll<number>().as('count')).where('account_id', '=', accountId).where('owner_type', '=', 'root'),
  );
  const ServerCertificates = await count(db.selectFrom('server_certificates').select((eb) => eb.fn.countAll<number>().as('count')).where('account_id', '=', accountId));
  const rootCertificates = await count(db.selectFrom('signing_certificates').select((eb) => eb.fn.countAll<number>().as('count')).where('account_id', '=', accountId).where('user_id', '=', accountId));
  const version = await globalEndpointTokenVersion(db, accountId);
  const summary: Partial<Record<SummaryKeyType, number>> = {
    ...QUOTAS,
    Users: Users ?? 0,
    Groups: Groups ?? 0,
    Roles: Roles ?? 0,
    // Customer managed policies only: AWS managed ones are not the account's.
    Policies: Policies ?? 0,
    InstanceProfiles: InstanceProfiles ?? 0,
    Providers: (oidc ?? 0) + (saml ?? 0),
    PolicyVersionsInUse,
    MFADevices,
    MFADevicesInUse,
    AccountMFAEnabled: rootMfa > 0 ? 1 : 0,
    AccountAccessKeysPresent: rootKeys > 0 ? 1 : 0,
    ServerCertificates,
    AccountSigningCertificatesPresent: rootCertificates > 0 ? 1 : 0,
    GlobalEndpointTokenVersion: version === 'v2Token' ? 2 : 1,
  };
  return { SummaryMap: summary };
};
