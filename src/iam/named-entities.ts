/**
 * Users, groups, roles and instance profiles of the caller's account looked up by name (without
 * regard to case), with the messages AWS gives for each kind: the one place that says where each
 * kind is stored, how it is missing and how its name is taken.
 */
import { findByName, type Row } from '../store/repos/named-entities.js';
import { isUniqueViolation, type Db } from '../store/store.js';
import type { OperationContext } from './context.js';
import { EntityAlreadyExists, NoSuchEntity } from './errors.js';

/**
 * Each kind of entity looked up by name: its table, and AWS's words when there is none by that
 * name (NoSuchEntity) or when the name is taken (EntityAlreadyExists).
 */
export const NAMED_ENTITIES = {
  user: { table: 'users', missing: (name: string) => `The user with name ${name} cannot be found.`, taken: (name: string) => `User with name ${name} already exists.` },
  group: { table: 'groups', missing: (name: string) => `The group with name ${name} cannot be found.`, taken: (name: string) => `Group with name ${name} already exists.` },
  role: { table: 'roles', missing: (name: string) => `The role with name ${name} cannot be found.`, taken: (name: string) => `Role with name ${name} already exists.` },
  'instance-profile': {
    table: 'instance_profiles',
    missing: (name: string) => `Instance Profile ${name} cannot be found.`,
    taken: (name: string) => `Instance Profile ${name} already exists.`,
  },
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

/** Runs a write that may take an entity's name, answering EntityAlreadyExists in AWS's words if the name is taken. */
export async function claimingName<T>(kind: EntityKind, name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new EntityAlreadyExists(NAMED_ENTITIES[kind].taken(name));
    throw error;
  }
}

/** Renames or moves a user or group (UpdateUser, UpdateGroup); a new name is taken without regard to case. */
export async function renameEntity(context: OperationContext, kind: 'user' | 'group', name: string, update: { newName?: string; newPath?: string }): Promise<void> {
  const { table } = NAMED_ENTITIES[kind];
  await claimingName(kind, String(update.newName), () =>
    context.store.transaction(async (tx) => {
      const row = await requireEntity(tx, context, kind, name);
      const newName = update.newName ?? row.name;
      // The tables share these columns; Kysely cannot see that through a union of table names.
      await tx
        .updateTable(table as 'users')
        .set({ name: newName, name_lower: newName.toLowerCase(), path: update.newPath ?? row.path })
        .where('id', '=', row.id)
        .execute();
    }),
  );
}
