/** GetCallerIdentity: who the credentials belong to. Every caller may ask; no policy can deny it (STS API, "GetCallerIdentity"). */
import type { GetCallerIdentityRequest, GetCallerIdentityResponse } from '@aws-sdk/client-sts';
import type { Handler, Input } from '../iam/context.js';

export const GetCallerIdentity: Handler<Input<GetCallerIdentityRequest>, GetCallerIdentityResponse> = async (_input, { caller }) => ({
  UserId: caller.userId,
  Account: caller.accountId,
  Arn: caller.arn,
});
