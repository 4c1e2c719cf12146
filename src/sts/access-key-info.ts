/** GetAccessKeyInfo: the account an access key id belongs to (STS API, "GetAccessKeyInfo"). */
import type { GetAccessKeyInfoRequest, GetAccessKeyInfoResponse } from '@aws-sdk/client-sts';
import type { Handler, Input } from '../iam/context.js';

export const GetAccessKeyInfo: Handler<Input<GetAccessKeyInfoRequest>, GetAccessKeyInfoResponse> = async (input, context) => {
  const { db } = context.store;
  const key = input.AccessKeyId.startsWith('ASIA')
    ? await db.selectFrom('sessions').select('account_id').where('access_key_id', '=', input.AccessKeyId).executeTakeFirst()
    : await db.selectFrom('access_keys').select('account_id').where('id', '=', input.AccessKeyId).executeTakeFirst();
  // AWS answers for any well-formed key id; for one it never issued, it names no account of ours.
  return key ? { Account: key.account_id } : {};
};
