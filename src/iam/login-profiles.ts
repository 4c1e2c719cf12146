/**
 * Console passwords of IAM users (IAM API Reference, "CreateLoginProfile" and neighbours, and
 * "ChangePassword"). Only a scrypt hash is stored; no operation returns it.
 */
import type {
  ChangePasswordRequest,
  CreateLoginProfileRequest,
  CreateLoginProfileResponse,
  DeleteLoginProfileRequest,
  GetLoginProfileRequest,
  GetLoginProfileResponse,
  LoginProfile,
  UpdateLoginProfileRequest,
} from '@aws-sdk/client-iam';
import type { Selectable } from 'kysely';
import type { LoginProfilesTable } from '../store/schema.js';
import { isUniqueViolation, type Db } from '../store/store.js';
import type { Row } from '../store/repos/named-entities.js';
import { AccessDenied } from '../authz/errors.js';
import { targetUserName } from './access-keys.js';
import type { Handler, Input, OperationContext } from './context.js';
import { EntityAlreadyExists, InvalidInput, InvalidUserType, NoSuchEntity } from './errors.js';
import { checkPasswordPolicy, checkPasswordReuse, hashPassword, rememberPassword, usersMayChangePasswords, verifyPassword } from './passwords.js';
import { requireUser } from './users.js';


type ProfileRow = Selectable<LoginProfilesTable>;

async function requireProfile(db: Db, user: Row<'users'>): Promise<ProfileRow> {
  const row = await db.selectFrom('login_profiles').selectAll().where('user_id', '=', user.id).executeTakeFirst();
  if (!row) throw new NoSuchEntity(`Login Profile for User ${user.name} cannot be found.`);
  return row;
}

function toLoginProfile(user: Row<'users'>, row: ProfileRow): LoginProfile {
  return { UserName: user.name, CreateDate: new Date(row.created_at), PasswordResetRequired: row.password_reset_required === 1 };
}

// Hashing is slow on purpose, so it runs before the transaction rather than inside it.
async function newHash(context: OperationContext, password: string | undefined): Promise<string> {
  // The model leaves Password optional (an AssumeRoot session omits it); an IAM user's profile needs one.
  if (password === undefined) throw new InvalidInput('Password is required to create a login profile for an IAM user.');
  await checkPasswordPolicy(context.store.db, context.caller.accountId, password);
  return hashPassword(password);
}

export const CreateLoginProfile: Handler<Input<CreateLoginProfileRequest>, CreateLoginProfileResponse> = async (input, context) => {
  const { store, clock } = context;
  const name = targetUserName(context, input.UserName);
  await requireUser(store.db, context, name);
  const hash = await newHash(context, input.Password);
  try {
    return await store.transaction(async (tx) => {
      const user = await requireUser(tx, context, name);
      const row: ProfileRow = { user_id: user.id, password_hash: hash, password_reset_required: input.PasswordResetRequired ? 1 : 0, created_at: new Date(clock.now()).toISOString() };
      await tx.insertInto('login_profiles').values(row).execute();
      return { LoginProfile: toLoginProfile(user, row) };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new EntityAlreadyExists(`Login Profile for user ${name} already exists.`);
    throw error;
  }
};

export const GetLoginProfile: Handler<Input<GetLoginProfileRequest>, GetLoginProfileResponse> = async (input, context) => {
  const { db } = context.store;
  const user = await requireUser(db, context, targetUserName(context, input.UserName));
  return { LoginProfile: toLoginProfile(user, await requireProfile(db, user)) };
};

export const UpdateLoginProfile: Handler<Input<UpdateLoginProfileRequest>, void> = async (input, context) => {
  const { store } = context;
  const user = await requireUser(store.db, context, input.UserName);
  const current = await requireProfile(store.db, user);
  if (input.Password !== undefined) await checkPasswordReuse(store.db, context.caller.accountId, user.id, current.password_hash, input.Password);
  const hash = input.Password === undefined ? undefined : await newHash(context, input.Password);
  await store.transaction(async (tx) => {
    const profile = await requireProfile(tx, await requireUser(tx, context, input.UserName));
    // A new password restarts its expiry: remembering the old one records when (passwordsSetAt).
    // PasswordResetRequired alone leaves the password, and so its expiry, as it was.
    if (hash !== undefined) await rememberPassword(tx, profile.user_id, profile.password_hash, new Date(context.clock.now()).toISOString());
    await tx
      .updateTable('login_profiles')
      .set({
        password_hash: hash ?? profile.password_hash,
        password_reset_required: input.PasswordResetRequired === undefined ? profile.password_reset_required : input.PasswordResetRequired ? 1 : 0,
      })
      .where('user_id', '=', profile.user_id)
      .execute();
  });
};

export const DeleteLoginProfile: Handler<Input<DeleteLoginProfileRequest>, void> = async (input, context) => {
  await context.store.transaction(async (tx) => {
    const user = await requireUser(tx, context, targetUserName(context, input.UserName));
    await requireProfile(tx, user);
    await tx.deleteFrom('login_profiles').where('user_id', '=', user.id).execute();
  });
};

// AWS documents no error for a wrong OldPassword, and ChangePassword's model lists none that fits
// (InvalidInput is not among them): AccessDenied, common to every action, says the caller has not
// shown it may change this password.
const WRONG_OLD_PASSWORD = 'The old password is incorrect.';

export const ChangePassword: Handler<Input<ChangePasswordRequest>, void> = async (input, context) => {
  const { store, caller } = context;
  // The root and role sessions have no IAM user password (AWS CLI, "change-password": InvalidUserType).
  if (caller.type !== 'user' || caller.userName === undefined) throw new InvalidUserType('Only IAM users can change their own password.');
  // The password policy's AllowUsersToChangePassword lets every user change its own password;
  // without it, iam:ChangePassword must be allowed (IAM UG, "Set an account password policy for IAM users").
  // An expired password changes no rule here, not even under HardExpiry: that locks the console
  // only, and users with iam:ChangePassword and an active access key may still replace an expired
  // password through the API (IAM API, "PasswordPolicy": HardExpiry).
  if (!(await usersMayChangePasswords(store.db, caller.accountId))) {
    await context.authorizer.authorize({ caller, action: 'iam:ChangePassword', resource: caller.arn, context: { ...context.requestContext } });
  }
  const user = await requireUser(store.db, context, caller.userName);
  const profile = await requireProfile(store.db, user);
  if (!(await verifyPassword(input.OldPassword, profile.password_hash))) throw new AccessDenied(WRONG_OLD_PASSWORD);
  await checkPasswordReuse(store.db, caller.accountId, user.id, profile.password_hash, input.NewPassword);
  const hash = await newHash(context, input.NewPassword);
  await store.transaction(async (tx) => {
    // Written only over the hash that was checked: a concurrent change makes the old password wrong.
    const changed = await tx
      .updateTable('login_profiles')
      .set({ password_hash: hash, password_reset_required: 0 })
      .where('user_id', '=', user.id)
      .where('password_hash', '=', profile.password_hash)
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) === 0) throw new AccessDenied(WRONG_OLD_PASSWORD);
    // Remembering the replaced password also records when the new one was set: its expiry counts from then.
    await rememberPassword(tx, user.id, profile.password_hash, new Date(context.clock.now()).toISOString());
  });
};
