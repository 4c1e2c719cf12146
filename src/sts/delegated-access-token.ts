/**
 * GetDelegatedAccessToken (STS API, "GetDelegatedAccessToken"): the partner that created a
 * delegation request trades the token SendDelegationToken sent it for temporary credentials in the
 * owner account. The credentials act as the identity that accepted the request, narrowed by the
 * request's policy as a session policy: an IAM user's become a federated-user session of that user
 * (the user's policies ∩ the request's), a role session's a new session of that role. A token buys
 * credentials once, and not after the request's expiration time.
 */
import type { GetDelegatedAccessTokenRequest, GetDelegatedAccessTokenResponse } from '@aws-sdk/client-sts';
import type { Handler, Input } from '../iam/context.js';
import { tradeInTokenHash } from '../iam/delegation-requests.js';
import { arn } from '../shared/arn.js';
import { defineError } from '../shared/service-error.js';
import { PackedPolicyTooLarge } from './errors.js';
import { issueSession } from './sessions.js';

/** A trade-in token that is unknown, spent or past its request's expiration (the model's ExpiredTradeInTokenException). */
export const ExpiredTradeInToken = defineError('ExpiredTradeInTokenException', 400);

/** Session policies' packed quota, as for the AssumeRole family. */
const PACKED_POLICY_QUOTA = 2048;

export const GetDelegatedAccessToken: Handler<Input<GetDelegatedAccessTokenRequest>, GetDelegatedAccessTokenResponse> = async (input, context) => {
  const { caller, clock, config, store } = context;
  const now = clock.now();
  const expired = () => new ExpiredTradeInToken('The trade-in token is invalid, has already been used, or has expired.');
  return store.transaction(async (tx) => {
    const row = await tx.selectFrom('delegation_requests').selectAll().where('token_hash', '=', tradeInTokenHash(input.TradeInToken)).executeTakeFirst();
    // Only the partner that asked may trade the token; to anyone else it is no token at all.
    if (!row || row.requestor_account_id !== caller.accountId || row.state !== 'FINALIZED' || row.token_used_at !== null || Date.parse(row.expires_at) <= now) throw expired();
    if (row.owner_account_id === null || row.approver_kind === null || row.approver_entity_id === null) throw expired();
    const spent = await tx.updateTable('delegation_requests').set({ token_used_at: new Date(now).toISOString() }).where('id', '=', row.id).where('token_used_at', 'is', null).executeTakeFirst();
    if (Number(spent.numUpdatedRows) === 0) throw expired();

    const size = row.permission_policy.replace(/\s+/g, '').length;
    const packed = Math.ceil((size / PACKED_POLICY_QUOTA) * 100);
    if (packed > 100) throw new PackedPolicyTooLarge(`Packed policy consumes ${packed}% of allotted space, please use smaller policy for user.`);
    // A session name that says where the credentials come from: dr-… (2 to 32 characters, as STS's).
    const name = row.id.slice(0, 32);
    const policies = [{ name: `delegation-request/${row.id}`, document: row.permission_policy }];
    const account = row.owner_account_id;
    let principal: string;
    if (row.approver_kind === 'assumed-role') {
      const role = await tx.selectFrom('roles').select(['id', 'name']).where('id', '=', row.approver_entity_id).executeTakeFirst();
      if (!role) throw expired();
      principal = arn(config.partition, 'sts', '', account, `assumed-role/${role.name}/${name}`);
      const credentials = await issueSession(tx, context, { kind: 'assumed-role', accountId: account, principalId: role.id, name, durationSeconds: row.session_duration, policies });
      return { Credentials: credentials, PackedPolicySize: packed, AssumedPrincipal: principal };
    }
    const user = await tx.selectFrom('users').select('id').where('id', '=', row.approver_entity_id).executeTakeFirst();
    if (!user) throw expired();
    principal = arn(config.partition, 'sts', '', account, `federated-user/${name}`);
    const credentials = await issueSession(tx, context, { kind: 'federated-user', accountId: account, principalId: user.id, name, durationSeconds: row.session_duration, policies });
    return { Credentials: credentials, PackedPolicySize: packed, AssumedPrincipal: principal };
  });
};
