import { touchedBuckets } from '@tagpulse/core';
import type { Kysely, RawBuilder } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../database.js';
import { newerVersionSql } from './posts.repository.js';
import { recomputeTouched } from './rollups.repository.js';

/**
 * The roll-up outbox. Whatever changes posts marks their 5-minute buckets in
 * its own transaction; the roll-up job claims marks and recomputes them in
 * one transaction. A crash anywhere leaves the marks in place, so no change
 * is ever left out of the series.
 */

/**
 * The statement marking the 5-minute buckets of `posts`, written
 * only when `guard` holds (the page store's "cursor moved"). An existing mark
 * is rewritten rather than skipped, which takes its row lock until commit; it
 * keeps its first time, from which the roll-up lag is measured.
 */
export function markDirtySql(
  posts: { createdAt: Date }[],
  guard: RawBuilder<unknown> = sql`true`,
): RawBuilder<unknown> {
  const starts = touchedBuckets(posts).map((d) => d.toISOString());
  return sql`
    insert into rollup_dirty (bucket_start)
    select unnest(${starts}::timestamptz[]) where ${guard}
    on conflict (bucket_start) do update set marked_at = rollup_dirty.marked_at`;
}

/**
 * The page store's marks: the 5-minute buckets of the page's posts (`page_posts` and
 * `page_authors`, the posts repository's `pageInput`) that change what a roll-up reads — new
 * posts, newer versions, figures that differ from the stored ones (read later), and posts whose
 * author's followers changed. Capture reads many posts again unchanged (X's poll overlap,
 * Mastodon's re-read of federation's delay every cycle): recomputing their buckets each time kept
 * the roll-up job busy with nothing. Every CTE of the page's statement sees the rows as they were
 * before it, so the comparison is with what was stored.
 */
export function markChangedDirtySql(guard: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    insert into rollup_dirty (bucket_start)
    select distinct date_bin('5 minutes', r.created_at, timestamptz 'epoch')
    from page_posts r
    left join page_authors ra on ra.id = r.author_id
    -- Each post's stored row by its key (offset 0 keeps it a lookup): a plan made while the table was
    -- small hashed a scan of the whole month instead, and a prepared statement kept that plan.
    left join lateral (select p.edit_root_id, p.id, p.metrics_observed_at, p.like_count, p.repost_count,
        p.reply_count, p.quote_count, p.bookmark_count, p.impression_count
      from posts p where p.edit_root_id = r.edit_root_id and p.created_at = r.created_at offset 0) p on true
    where ${guard} and (
      p.edit_root_id is null
      or ${newerVersionSql('r', 'p')}
      or (r.observed_at > p.metrics_observed_at
        and (r.like_count, r.repost_count, r.reply_count, r.quote_count, r.bookmark_count, r.impression_count)
          is distinct from (p.like_count, p.repost_count, p.reply_count, p.quote_count, p.bookmark_count,
            p.impression_count))
      -- The author upsert's own rule: a reading not older than the stored one replaces it.
      or (ra.id is not null and (ra.stored_observed_at is null
        or (ra.observed_at >= ra.stored_observed_at and ra.followers_count is distinct from ra.stored_followers))))
    on conflict (bucket_start) do update set marked_at = rollup_dirty.marked_at`;
}

/** Marks the buckets of `posts`; pass the transaction that changed them. */
export async function markDirty(db: Kysely<Database>, posts: { createdAt: Date }[]): Promise<void> {
  if (posts.length > 0) await markDirtySql(posts).execute(db);
}

/** Marks every bucket holding a stored post with the hashtag: it starts or stops being tracked. */
export async function markTagDirty(db: Kysely<Database>, tagKey: string): Promise<void> {
  await sql`
    insert into rollup_dirty (bucket_start)
    select distinct date_bin('5 minutes', created_at, timestamptz 'epoch') from post_hashtags
    where tag_key = ${tagKey}
    on conflict (bucket_start) do update set marked_at = rollup_dirty.marked_at`.execute(db);
}

/**
 * Claims up to `limit` marked buckets, most recently marked first, and
 * recomputes their roll-ups in the same transaction; returns how many it
 * claimed (0: nothing left). Newest first, so a backlog (history marked by a
 * migration or a newly tracked hashtag) does not hold back live pages. Recomputes run one at a time across all workers: two overlapping
 * ones (the same hour from two 5-minute marks) could commit out of order and
 * leave the older figures.
 */
export async function recomputeDirty(db: Kysely<Database>, limit: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('tagpulse_rollup_recompute'))`.execute(trx);
    const { rows } = await sql<{ bucket_start: Date }>`
      delete from rollup_dirty
      where bucket_start in (
        select bucket_start from rollup_dirty order by marked_at desc, bucket_start limit ${limit})
      returning bucket_start`.execute(trx);
    await recomputeTouched(
      trx,
      rows.map((r) => r.bucket_start),
    );
    return rows.length;
  });
}

/**
 * The start of the earliest bucket from `from` on whose posts changed and whose roll-ups are not
 * recomputed yet (null when none waits): series read now are final only before it.
 */
export async function firstPendingBucket(db: Kysely<Database>, from: Date): Promise<Date | null> {
  const row = await db
    .selectFrom('rollup_dirty')
    .select((eb) => eb.fn.min('bucket_start').as('first'))
    .where('bucket_start', '>=', from)
    .executeTakeFirst();
  return row?.first ?? null;
}

/**
 * The roll-up lag in seconds: how long the oldest change still waiting for
 * its roll-ups has waited (0 when none waits). A stored post is visible in the
 * series once its bucket's mark is consumed, so this is the delay between
 * storing a post and seeing it in `/v1/series`, at its worst right now.
 */
export async function lagSeconds(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ lag: number | null }>`
    select extract(epoch from clock_timestamp() - min(marked_at))::float8 as lag from rollup_dirty`.execute(
    db,
  );
  return Math.max(0, rows[0]?.lag ?? 0);
}
