import type { Post } from '@tagpulse/core';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, Network } from '../database.js';
import { refreshSchedule } from '../refresh-schedule.js';
import { markDirty } from './rollup-outbox.repository.js';
import { recordSpend, type SpendEntry } from './spend-ledger.repository.js';

type Db = Kysely<Database>;

export interface DuePost {
  editRootId: string;
  id: string;
  createdAt: Date;
}

/** A network's live posts whose next engagement look-up is due, most overdue first. */
function dueQuery(db: Db, now: Date, network: Network) {
  return db
    .selectFrom('posts as p')
    .where('p.refresh_due_at', '<=', now)
    .where('p.network', '=', network)
    .where('p.deleted_at', 'is', null)
    .orderBy('p.refresh_due_at');
}

/** A network's posts whose next engagement look-up is due, most overdue first. */
export async function duePosts(db: Db, now: Date, limit: number, network: Network = 'x'): Promise<DuePost[]> {
  const rows = await dueQuery(db, now, network)
    .select(['p.edit_root_id', 'p.id', 'p.created_at'])
    .limit(limit)
    .execute();
  return rows.map((r) => ({ editRootId: r.edit_root_id, id: r.id, createdAt: r.created_at }));
}

export interface DueMastodonPost extends DuePost {
  /** The status's id on the instance it is looked up on. */
  localId: string;
}

/**
 * The Mastodon posts located on `instance` whose next look-up is due, most
 * overdue first: each instance is read on its own, so one instance down or
 * rate-limited never keeps another's posts waiting.
 */
export async function dueMastodonPosts(
  db: Db,
  now: Date,
  instance: string,
  limit: number,
): Promise<DueMastodonPost[]> {
  const rows = await dueQuery(db, now, 'mastodon')
    .innerJoin('mastodon_status_locations as l', 'l.post_id', 'p.edit_root_id')
    .select(['p.edit_root_id', 'p.id', 'p.created_at', 'l.local_id'])
    .where('l.instance', '=', instance)
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    editRootId: r.edit_root_id,
    id: r.id,
    createdAt: r.created_at,
    localId: r.local_id,
  }));
}

/**
 * Records where statuses read from `instance` are looked up: their local ids
 * there. A status already located (read first through another instance)
 * keeps its location, so writing a page's locations again changes nothing.
 */
export async function recordMastodonLocations(
  db: Db,
  instance: string,
  locations: { postId: string; localId: string }[],
): Promise<void> {
  if (locations.length === 0) return;
  await sql`
    insert into mastodon_status_locations (post_id, instance, local_id)
    select u.post_id, ${instance}, u.local_id
    from unnest(${locations.map((l) => l.postId)}::text[], ${locations.map((l) => l.localId)}::text[])
      as u(post_id, local_id)
    on conflict (post_id) do nothing`.execute(db);
}

/** The look-up sources held until their rate windows reset, and until when. */
export async function heldSources(db: Db, now: Date): Promise<Map<string, Date>> {
  const rows = await db.selectFrom('refresh_backoffs').selectAll().where('until', '>', now).execute();
  return new Map(rows.map((r) => [r.source, r.until]));
}

/** Holds a look-up source (a network, or one Mastodon instance) until `until`. */
export async function holdSource(db: Db, source: string, until: Date): Promise<void> {
  await db
    .insertInto('refresh_backoffs')
    .values({ source, until })
    .onConflict((oc) => oc.column('source').doUpdateSet({ until }))
    .execute();
}

/**
 * Applies one look-up of `due`: found posts take the newer metrics, posts the
 * network no longer has are marked deleted (never dropped), and every other
 * post (protected, withheld, malformed) just moves on, so nothing is looked
 * up forever. A network that counts no views keeps no impressions (null).
 */
export async function applyRefresh(
  db: Db,
  {
    due,
    found,
    deletedIds,
    now,
    spend,
  }: { due: DuePost[]; found: Post[]; deletedIds: string[]; now: Date; spend?: SpendEntry },
): Promise<void> {
  const byRoot = new Map(found.map((p) => [p.editRootId, p]));
  const deleted = new Set(deletedIds);
  const alive = due.filter((d) => !deleted.has(d.id));
  const rows = alive.map((d) => {
    const post = byRoot.get(d.editRootId);
    const observedAt = post?.observedAt ?? now;
    return { due: d, post, observedAt, next: refreshSchedule(d.createdAt, observedAt) };
  });
  const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
  // A post not found keeps its metrics: its observation time is -infinity, so nothing is newer.
  await db.transaction().execute(async (trx) => {
    if (spend) await recordSpend(trx, spend);
    // New metrics and deletions change the roll-ups of the buckets these posts are in.
    await markDirty(trx, due);
    if (rows.length > 0) {
      await sql`
        update posts p set
          like_count = case when r.newer then r.likes else p.like_count end,
          repost_count = case when r.newer then r.reposts else p.repost_count end,
          reply_count = case when r.newer then r.replies else p.reply_count end,
          quote_count = case when r.newer then r.quotes else p.quote_count end,
          bookmark_count = case when r.newer then r.bookmarks else p.bookmark_count end,
          impression_count = case when r.newer then r.impressions else p.impression_count end,
          metrics_observed_at = case when r.newer then r.observed_at else p.metrics_observed_at end,
          refresh_stage = r.stage,
          refresh_due_at = r.due_at
        from (
          select u.*, u.observed_at > q.metrics_observed_at as newer
          from unnest(
            ${col((r) => r.due.editRootId)}::text[], ${col((r) => r.due.createdAt.toISOString())}::timestamptz[],
            ${col((r) => r.post?.metrics.likes ?? 0)}::int8[], ${col((r) => r.post?.metrics.reposts ?? 0)}::int8[],
            ${col((r) => r.post?.metrics.replies ?? 0)}::int8[], ${col((r) => r.post?.metrics.quotes ?? 0)}::int8[],
            ${col((r) => r.post?.metrics.bookmarks ?? 0)}::int8[],
            ${col((r) => r.post?.metrics.impressions ?? null)}::int8[],
            ${col((r) => (r.post ? r.observedAt.toISOString() : '-infinity'))}::timestamptz[],
            ${col((r) => r.next.stage)}::int2[], ${col((r) => r.next.dueAt?.toISOString() ?? null)}::timestamptz[]
          ) as u(edit_root_id, created_at, likes, reposts, replies, quotes, bookmarks, impressions, observed_at,
            stage, due_at)
          join posts q on q.edit_root_id = u.edit_root_id and q.created_at = u.created_at
        ) r
        where p.edit_root_id = r.edit_root_id and p.created_at = r.created_at`.execute(trx);
    }
    if (deletedIds.length > 0) {
      await trx
        .updateTable('posts')
        .set({ deleted_at: now, refresh_due_at: null })
        .where(sql<boolean>`id = any(${deletedIds}::text[])`)
        .where('deleted_at', 'is', null)
        .execute();
    }
  });
}
