/** DecodeAuthorizationMessage: what an AccessDenied's encoded message says (STS API, "DecodeAuthorizationMessage"). */
import type { DecodeAuthorizationMessageRequest, DecodeAuthorizationMessageResponse } from '@aws-sdk/client-sts';
import { decodeAuthorizationMessage } from '../authz/authorization-message.js';
import type { Handler, Input } from '../iam/context.js';
import { InvalidAuthorizationMessage } from './errors.js';

export const DecodeAuthorizationMessage: Handler<Input<DecodeAuthorizationMessageRequest>, DecodeAuthorizationMessageResponse> = async (input, context) => {
  const decoded = decodeAuthorizationMessage(context.sealer, input.EncodedMessage);
  if (decoded === undefined) throw new InvalidAuthorizationMessage('The message is not a valid encoded authorization message.');
  return { DecodedMessage: decoded };
};
