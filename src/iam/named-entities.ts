/**
 * Users, groups, roles and instance profiles of the caller's account looked up by name (without
 * regard to case), with the NoSuchEntity message AWS gives for each kind: the one place that says
 * where each kind is stored and how it is missing.
 */
import { findByName, type Row } from '../store/repos/named-entities.js';
import type { Db } from '../store/store.js';
import type { OperationContext } from './context.js';
import { NoSuchEntity } from './errors.js';

/** Each kind of entity looked up by name: its table, and AWS's words when there is none by that name. */
export const NAMED_ENTITIES = {
  user: { table: 'users', missing: (name: string) => `The user with name ${name} cannot be found.` },
  group: { table: 'groups', missing: (name: string) => `The group with name ${name} cannot be found.` },
  role: { table: 'roles', missing: (name: string) => `The role with name ${name} cannot be found.` },
  'instance-profile': { table: 'instance_profiles', missing: (name: string) => `Instance Profile ${name} cannot be found.` },
} as const;

/** A kind of entity looked up by name. */
export type EntityKind = keyof typeof NAMED_ENTITIES;

/** The stored row of an entity kind. */
export type EntityRow<K extends EntityKind> = Row<(typeof NAMED_ENTITIES)[K]['table']>;

/**
 * An entity of the caller's account by name, or NoSuchEntity in AWS's words.
 * @example const role = await requireEntity(tx, context, 'role', input.RoleName);
 */
export async function requireEntity<K extends EntityKind>(db: Db, context: OperationContext, kind: K, name: string): Promise<EntityRow<K>> {
  const { table, missing } = NAMED_ENTITIES[kind];
  const row = await findByName(db, table, context.caller.accountId, name);
  if (!row) throw new NoSuchEntity(missing(name));
  return row as EntityRow<K>;
}
