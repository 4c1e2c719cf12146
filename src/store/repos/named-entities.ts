/**
 * Queries shared by every table of named entities (users, groups, roles, instance profiles and
 * managed policies): find by name without regard to case, list by path prefix a page at a time,
 * and delete.
 */
import { sql, type Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type { Db } from '../store.js';

/** The tables whose rows are named entities. */
export type NamedTable = 'users' | 'groups' | 'roles' | 'instance_profiles' | 'policies';
export type Row<T extends NamedTable> = Selectable<Database[T]>;

/** One page of a listing and where the next starts, if there is more. */
export interface Page<T> {
  readonly items: T[];
  /** The sort key of the last item, when more items follow. */
  readonly next: string | undefined;
}

/** Finds an entity of an account by name, without regard to case. */
export async function findByName<T extends NamedTable>(db: Db, table: T, accountId: string, name: string): Promise<Row<T> | undefined> {
  // The tables share these columns; Kysely cannot see that through a union of table names.
  const row = await db
    .selectFrom(table as 'users')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('name_lower', '=', name.toLowerCase())
    .executeTakeFirst();
  return row as Row<T> | undefined;
}

/** Finds an entity by its unique id. */
export async function findById<T extends NamedTable>(db: Db, table: T, id: string): Promise<Row<T> | undefined> {
  const row = await db.selectFrom(table as 'users').selectAll().where('id', '=', id).executeTakeFirst();
  return row as Row<T> | undefined;
}

/**
 * Lists an account's entities whose path starts with `pathPrefix`, in name order, `limit` at a
 * time after the sort key `after`. Sorting on the unique lower-cased name keeps pages stable
 * while others write: an entity created or deleted meanwhile moves no other entity between pages.
 */
export async function listPage<T extends NamedTable>(
  db: Db,
  table: T,
  accountId: string,
  options: { pathPrefix?: string; after?: string; limit: number },
): Promise<Page<Row<T>>> {
  let query = db.selectFrom(table as 'users').selectAll().where('account_id', '=', accountId);
  const prefix = options.pathPrefix;
  // substr rather than LIKE: a path may hold LIKE's wildcards, and both databases have substr.
  if (prefix && prefix !== '/') query = query.where(sql<boolean>`substr(path, 1, ${prefix.length}) = ${prefix}`);
  if (options.after !== undefined) query = query.where('name_lower', '>', options.after);
  const rows = await query.orderBy('name_lower').limit(options.limit + 1).execute();
  return pageOf(rows, options.limit, (row) => row.name_lower) as Page<Row<T>>;
}

/** Cuts a fetched `limit + 1` rows into a page and the key where the next one starts. */
export function pageOf<T>(rows: T[], limit: number, key: (row: T) => string): Page<T> {
  if (rows.length <= limit) return { items: rows, next: undefined };
  const items = rows.slice(0, limit);
  return { items, next: key(items[items.length - 1]!) };
}

/** Deletes an entity by id; answers whether it existed. */
export async function deleteById(db: Db, table: NamedTable, id: string): Promise<boolean> {
  const result = await db.deleteFrom(table as 'users').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
