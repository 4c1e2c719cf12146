/**
 * Tags on taggable entities: at most 50, keys unique without regard to case (IAM UG, "Tagging IAM
 * resources"), stored with the entity's kind and id.
 */
import type { Tag as SdkTag } from '@aws-sdk/client-iam';
import type { Db } from '../store/store.js';
import type { Input } from './context.js';
import { InvalidInput, LimitExceeded } from './errors.js';
import { byKey, pageSorted, type PageInput, type PageOutput } from './paging.js';

export const MAX_TAGS = 50;

/** A tag as the API carries it. */
export type Tag = Input<SdkTag>;

/** The tags of an entity, in key order. */
export async function tagsOf(db: Db, resourceType: string, resourceId: string): Promise<Tag[]> {
  const rows = await db
    .selectFrom('tags')
    .select(['key', 'value'])
    .where('resource_type', '=', resourceType)
    .where('resource_id', '=', resourceId)
    .orderBy('key')
    .execute();
  return rows.map((row) => ({ Key: row.key, Value: row.value }));
}

/**
 * One page of an entity's tags, for every List*Tags operation: tag keys are unique per entity, so
 * the marker holds the last key returned, as a name does in other listings.
 */
export async function listTagsPage(db: Db, resourceType: string, resourceId: string, input: PageInput): Promise<{ Tags: Tag[] } & PageOutput> {
  // Sorted here rather than by the database, whose collation may differ from the `>` of pageSorted.
  const tags = (await tagsOf(db, resourceType, resourceId)).sort(byKey((tag) => tag.Key));
  const page = pageSorted(tags, input, (tag) => tag.Key);
  return { Tags: page.items, ...page.response };
}

/** Adds or replaces tags on an entity, keeping the quota; call inside the entity's transaction. */
export async function putTags(db: Db, resourceType: string, resourceId: string, tags: readonly Tag[] | undefined): Promise<void> {
  if (!tags || tags.length === 0) return;
  const lower = new Set<string>();
  for (const tag of tags) {
    const key = tag.Key.toLowerCase();
    if (lower.has(key)) throw new InvalidInput('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    lower.add(key);
  }
  const existing = await tagsOf(db, resourceType, resourceId);
  const replaced = existing.filter((tag) => lower.has(tag.Key.toLowerCase()));
  if (existing.length - replaced.length + tags.length > MAX_TAGS) {
    throw new LimitExceeded(`The number of tags has reached the maximum limit of ${MAX_TAGS}.`);
  }
  for (const tag of replaced) {
    await db.deleteFrom('tags').where('resource_type', '=', resourceType).where('resource_id', '=', resourceId).where('key', '=', tag.Key).execute();
  }
  await db
    .insertInto('tags')
    .values(tags.map((tag) => ({ resource_type: resourceType, resource_id: resourceId, key: tag.Key, value: tag.Value })))
    .execute();
}

/** Removes tags by key (an absent key is not an error, as in AWS). */
export async function removeTags(db: Db, resourceType: string, resourceId: string, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  const existing = await tagsOf(db, resourceType, resourceId);
  const lower = new Set(keys.map((k) => k.toLowerCase()));
  const doomed = existing.filter((tag) => lower.has(tag.Key.toLowerCase())).map((tag) => tag.Key);
  if (doomed.length === 0) return;
  await db.deleteFrom('tags').where('resource_type', '=', resourceType).where('resource_id', '=', resourceId).where('key', 'in', doomed).execute();
}

/** Removes every tag of an entity being deleted. */
export async function dropTags(db: Db, resourceType: string, resourceId: string): Promise<void> {
  await db.deleteFrom('tags').where('resource_type', '=', resourceType).where('resource_id', '=', resourceId).execute();
}
