/**
 * Temporary credentials for IAM users themselves: GetSessionToken (the user's own permissions, with
 * MFA when a serial and code are given) and GetFederationToken (a federated user whose permissions
 * are the intersection of the user's and the session policies passed). STS API Reference.
 */
import type { GetFederationTokenRequest, GetFederationTokenResponse, GetSessionTokenRequest, GetSessionTokenResponse } from '@aws-sdk/client-sts';
import { AccessDenied } from '../authz/errors.js';
import type { Handler, Input } from '../iam/context.js';
import { arn } from '../shared/arn.js';
import { verifyMfaCode } from '../iam/mfa.js';
import { ValidationError } from '../iam/errors.js';
import { PackedPolicyTooLarge } from './errors.js';
import { sessionPolicies } from './session-policies.js';
import { issueSession } from './sessions.js';

/** Users' sessions last 15 minutes to 36 hours (the model checks the range), 12 hours by default. */
const DEFAULT_SECONDS = 43_200;

export const GetSessionToken: Handler<Input<GetSessionTokenRequest>, GetSessionTokenResponse> = async (input, context) => {
  const { caller, store } = context;
  if (caller.session) throw new AccessDenied('Cannot call GetSessionToken with session credentials');
  if (caller.type !== 'user') throw new AccessDenied('GetSessionToken is available to IAM users; the account root should not use long-term keys.');
  const duration = input.DurationSeconds ?? DEFAULT_SECONDS;
  let mfa = false;
  if (input.SerialNumber !== undefined || input.TokenCode !== undefined) {
    if (input.SerialNumber === undefined || input.TokenCode === undefined) throw new ValidationError('SerialNumber and TokenCode must be given together.');
    await verifyMfaCode(store.db, context, caller.entityId, input.SerialNumber, input.TokenCode);
    mfa = true;
  }
  const credentials = await issueSession(store.db, context, { kind: 'session-token', accountId: caller.accountId, principalId: caller.entityId, name: caller.userName ?? caller.entityId, durationSeconds: duration, mfa });
  return { Credentials: credentials };
};

export const GetFederationToken: Handler<Input<GetFederationTokenRequest>, GetFederationTokenResponse> = async (input, context) => {
  const { caller, store, config } = context;
  if (caller.type !== 'user' || caller.session) throw new AccessDenied('GetFederationToken must be called with the long-term credentials of an IAM user.');
  const duration = input.DurationSeconds ?? DEFAULT_SECONDS;
  const policies = await sessionPolicies(store.db, caller.accountId, input.Policy, input.PolicyArns);
  const packed = Math.ceil((policies.size / 2048) * 100);
  if (packed > 100) throw new PackedPolicyTooLarge(`Packed policy consumes ${packed}% of allotted space, please use smaller policy for user.`);
  const tags = Object.fromEntries((input.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
  const credentials = await issueSession(store.db, context, { kind: 'federated-user', accountId: caller.accountId, principalId: caller.entityId, name: input.Name, durationSeconds: duration, policies: policies.list, tags });
  return {
    Credentials: credentials,
    FederatedUser: { FederatedUserId: `${caller.accountId}:${input.Name}`, Arn: arn(config.partition, 'sts', '', caller.accountId, `federated-user/${input.Name}`) },
    ...(policies.list.length > 0 && { PackedPolicySize: packed }),
  };
};
