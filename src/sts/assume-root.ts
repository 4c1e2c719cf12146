/**
 * AssumeRoot: privileged-task sessions on a member account's root, for the management account of
 * an organization that has enabled centralized root access (STS API, "AssumeRoot"; IAM UG,
 * "Centrally manage root access for member accounts"). This server has no organizations, so root
 * credentials management is never enabled and every request is refused, as AWS refuses it then.
 */
import type { AssumeRootRequest, AssumeRootResponse } from '@aws-sdk/client-sts';
import { AccessDenied } from '../authz/errors.js';
import type { Handler, Input } from '../iam/context.js';

export const AssumeRoot: Handler<Input<AssumeRootRequest>, AssumeRootResponse> = async (input, { caller }) => {
  // The model lists only RegionDisabledException and ExpiredTokenException; a caller that may not
  // assume the target's root gets the common AccessDenied (403).
  throw new AccessDenied(
    `User: ${caller.arn} is not authorized to perform: sts:AssumeRoot on resource: ${input.TargetPrincipal} because root credentials management is not enabled for an organization this account belongs to`,
  );
};
