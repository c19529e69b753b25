import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, HashtagRow } from '../database.js';
import { markTagDirty } from './rollup-outbox.repository.js';

type Db = Kysely<Database>;

/**
 * Tracks a hashtag, or tracks it again after a removal. The key is the folded
 * form (see `hashtagKey` in core); the display spelling is the latest one given.
 * When it starts being tracked, the buckets of its stored posts are marked for
 * the roll-up job: its series, and the series of all hashtags together, then
 * include the posts stored before.
 */
export async function addHashtag(
  db: Db,
  { key, display }: { key: string; display: string },
): Promise<HashtagRow> {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('hashtags')
      .select('active')
      .where('tag_key', '=', key)
      .forUpdate()
      .executeTakeFirst();
    const row = await trx
      .insertInto('hashtags')
      .values({ tag_key: key, display })
      .onConflict((oc) =>
        oc.column('tag_key').doUpdateSet({ display, active: true, updated_at: sql<Date>`now()` }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    if (!before?.active) await markTagDirty(trx, key);
    return row;
  });
}

/**
 * Stops tracking a hashtag; its posts and history stay. Returns false when it
 * was not tracked. The series of all hashtags together loses its posts.
 */
export async function deactivateHashtag(db: Db, key: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('hashtags')
      .set({ active: false, updated_at: sql<Date>`now()` })
      .where('tag_key', '=', key)
      .where('active', '=', true)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return false;
    await markTagDirty(trx, key);
    return true;
  });
}

export async function listHashtags(db: Db, { activeOnly = false } = {}): Promise<HashtagRow[]> {
  let query = db.selectFrom('hashtags').selectAll().orderBy('tag_key');
  if (activeOnly) query = query.where('active', '=', true);
  return query.execute();
}
