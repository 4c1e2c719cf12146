/** Building ARNs. The partition is configurable (`aws` by default), so existing policies work unchanged. */

/** `arn:partition:service:region:account:resource`. */
export function arn(partition: string, service: string, region: string, account: string, resource: string): string {
  return `arn:${partition}:${service}:${region}:${account}:${resource}`;
}

/** An IAM entity's ARN: `arn:aws:iam::123456789012:user/path/name`. Paths begin and end with `/`. */
export function iamArn(partition: string, account: string, type: string, path: string, name: string): string {
  return arn(partition, 'iam', '', account, `${type}${path}${name}`);
}
