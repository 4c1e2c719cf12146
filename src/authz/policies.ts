/**
 * Gathering the policies that apply to a caller: for an IAM user, its inline and attached policies,
 * those of its groups, and its permissions boundary. Documents come from the store as validated
 * text; the policy engine compiles them.
 */
import type { NamedPolicy, PolicySet } from '../policy/index.js';
import type { Db } from '../store/store.js';
import type { PrincipalKind } from '../store/schema.js';

/** The inline and attached managed policies of one principal. */
async function policiesOf(db: Db, kind: PrincipalKind, id: string, label: string): Promise<NamedPolicy[]> {
  const [inline, attached] = await Promise.all([
    db.selectFrom('inline_policies').select(['name', 'document']).where('principal_type', '=', kind).where('principal_id', '=', id).orderBy('name').execute(),
    db
      .selectFrom('attachments')
      .innerJoin('policies', 'policies.id', 'attachments.policy_id')
      .innerJoin('policy_versions', (join) =>
        join.onRef('policy_versions.policy_id', '=', 'policies.id').onRef('policy_versions.version_id', '=', 'policies.default_version_id'),
      )
      .select(['policies.arn', 'policy_versions.document'])
      .where('attachments.principal_type', '=', kind)
      .where('attachments.principal_id', '=', id)
      .orderBy('policies.arn')
      .execute(),
  ]);
  return [
    ...inline.map((p) => ({ name: `${label}/${p.name}`, document: p.document })),
    ...attached.map((p) => ({ name: p.arn, document: p.document })),
  ];
}

/** The default version of a managed policy, by ARN, as a boundary. */
async function boundary(db: Db, arn: string | null): Promise<NamedPolicy | undefined> {
  if (arn === null) return undefined;
  const row = await db
    .selectFrom('policies')
    .innerJoin('policy_versions', (join) =>
      join.onRef('policy_versions.policy_id', '=', 'policies.id').onRef('policy_versions.version_id', '=', 'policies.default_version_id'),
    )
    .select('policy_versions.document')
    .where('policies.arn', '=', arn)
    .executeTakeFirst();
  // A boundary whose policy is gone allows nothing: fail closed.
  return { name: arn, document: row?.document ?? '{"Version":"2012-10-17","Statement":[]}' };
}

/** Every policy that applies to an IAM user. */
export async function userPolicySet(db: Db, userId: string): Promise<PolicySet> {
  const user = await db.selectFrom('users').select(['name', 'boundary_arn']).where('id', '=', userId).executeTakeFirst();
  if (!user) return { identity: [] };
  const groups = await db
    .selectFrom('group_members')
    .innerJoin('groups', 'groups.id', 'group_members.group_id')
    .select(['groups.id', 'groups.name'])
    .where('group_members.user_id', '=', userId)
    .orderBy('groups.name_lower')
    .execute();
  const identity = (
    await Promise.all([policiesOf(db, 'user', userId, `user/${user.name}`), ...groups.map((g) => policiesOf(db, 'group', g.id, `group/${g.name}`))])
  ).flat();
  const bound = await boundary(db, user.boundary_arn);
  return bound ? { identity, boundary: bound } : { identity };
}

/**
 * The policies of an IAM group, named as they are among a member's (`group/NAME/POLICY`, or the
 * managed policy's ARN). A group is no principal, so only the simulator asks for this.
 */
export async function groupPolicySet(db: Db, groupId: string): Promise<PolicySet> {
  const group = await db.selectFrom('groups').select('name').where('id', '=', groupId).executeTakeFirst();
  if (!group) return { identity: [] };
  return { identity: await policiesOf(db, 'group', groupId, `group/${group.name}`) };
}

/** Every policy of an IAM role (its sessions add session policies of their own). */
export async function rolePolicySet(db: Db, roleId: string): Promise<PolicySet> {
  const role = await db.selectFrom('roles').select(['name', 'boundary_arn']).where('id', '=', roleId).executeTakeFirst();
  if (!role) return { identity: [] };
  const identity = await policiesOf(db, 'role', roleId, `role/${role.name}`);
  const bound = await boundary(db, role.boundary_arn);
  return bound ? { identity, boundary: bound } : { identity };
}
