/** The ARNs of IAM entities in this server's partition. */
import { iamArn } from '../shared/arn.js';
import type { OperationContext } from './context.js';

/** The kinds of IAM entity with a path, as they appear in ARNs. */
export type EntityArnType = 'user' | 'group' | 'role' | 'policy' | 'instance-profile' | 'mfa';

/** An entity's ARN in the caller's account (or `aws` for AWS-managed policies). */
export function entityArn(context: OperationContext, type: EntityArnType, path: string, name: string, account = context.caller.accountId): string {
  return iamArn(context.config.partition, account, type, path, name);
}
