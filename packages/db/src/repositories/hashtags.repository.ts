import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, HashtagRow } from '../database.js';

type Db = Kysely<Database>;

/**
 * Tracks a hashtag, or tracks it again after a removal. The key is the folded
 * form (see `hashtagKey` in core); the display spelling is the latest one given.
 */
export async function addHashtag(
  db: Db,
  { key, display }: { key: string; display: string },
): Promise<HashtagRow> {
  return db
    .insertInto('hashtags')
    .values({ tag_key: key, display })
    .onConflict((oc) =>
      oc.column('tag_key').doUpdateSet({ display, active: true, updated_at: sql<Date>`now()` }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Stops tracking a hashtag; its posts and history stay. Returns false when it was not tracked. */
export async function deactivateHashtag(db: Db, key: string): Promise<boolean> {
  const result = await db
    .updateTable('hashtags')
    .set({ active: false, updated_at: sql<Date>`now()` })
    .where('tag_key', '=', key)
    .where('active', '=', true)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listHashtags(db: Db, { activeOnly = false } = {}): Promise<HashtagRow[]> {
  let query = db.selectFrom('hashtags').selectAll().orderBy('tag_key');
  if (activeOnly) query = query.where('active', '=', true);
  return query.execute();
}
