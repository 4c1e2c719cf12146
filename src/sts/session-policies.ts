/**
 * Session policies passed to STS (an inline `Policy` and up to ten managed `PolicyArns`): they
 * narrow a session to the intersection of its principal's permissions and theirs, and never grant
 * more (IAM UG, "Session policies").
 */
import type { PolicyDescriptorType } from '@aws-sdk/client-sts';
import { checkDocument } from '../iam/policy-documents.js';
import { InvalidParameterValue } from '../iam/errors.js';
import type { Db } from '../store/store.js';

/** The session's policies, and their size in non-white-space characters (what AWS packs). */
export interface SessionPolicies {
  readonly list: { name: string; document: string }[];
  readonly size: number;
}

/** Reads and checks the session policies a request passes. */
export async function sessionPolicies(db: Db, accountId: string, inline: string | undefined, arns: readonly PolicyDescriptorType[] | undefined): Promise<SessionPolicies> {
  const list: { name: string; document: string }[] = [];
  let size = 0;
  if (inline !== undefined) {
    const policy = checkDocument(inline, 'session', Infinity);
    list.push({ name: 'session-policy', document: inline });
    size += policy.size;
  }
  for (const { arn } of arns ?? []) {
    if (arn === undefined) continue;
    // Managed session policies come from the role's account or from AWS (STS API, "AssumeRole": PolicyArns).
    const owner = arn.split(':')[4];
    const row =
      owner === accountId || owner === 'aws'
        ? await db
            .selectFrom('policies')
            .innerJoin('policy_versions', (join) => join.onRef('policy_versions.policy_id', '=', 'policies.id').onRef('policy_versions.version_id', '=', 'policies.default_version_id'))
            .select('policy_versions.document')
            .where('policies.arn', '=', arn)
            .executeTakeFirst()
        : undefined;
    if (!row) throw new InvalidParameterValue(`Policy ${arn} does not exist or is not attachable.`);
    list.push({ name: arn, document: row.document });
    size += checkDocument(row.document, 'session', Infinity).size;
  }
  return { list, size };
}
