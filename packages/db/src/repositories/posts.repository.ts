import type { Author, Post } from '@tagpulse/core';
import type { Kysely, Transaction } from 'kysely';
import { type RawBuilder, sql } from 'kysely';
import type { Database } from '../database.js';
import { refreshSchedule } from '../refresh-schedule.js';

const knownMonths = new WeakMap<object, Set<string>>();

function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

// Under PostgreSQL's deadlock_timeout (1 s): a creation that would deadlock gives up first.
const PARTITION_LOCK_TIMEOUT = '500ms';

/**
 * Creates the monthly partitions the posts need, once per month and process.
 * Workers call it ahead of time (at start and on each sync, for the months
 * around their clock's now), so a page seldom has to: creating a partition
 * takes ACCESS EXCLUSIVE on `posts`, then `post_hashtags`, the reverse of
 * the order in which the coverage job's join locks them. So it never waits
 * long for a lock: past {@link PARTITION_LOCK_TIMEOUT} it fails (the caller
 * tries again later) rather than deadlock and abort a reader. Runs outside
 * the page's transaction: the function's advisory lock would otherwise be
 * held until the page commits.
 */
export async function ensureMonthPartitions(db: Kysely<Database>, dates: Date[]): Promise<void> {
  const known = knownMonths.get(db) ?? new Set<string>();
  knownMonths.set(db, known);
  const missing = [...new Set(dates.map(monthOf))].filter((m) => !known.has(m)).sort();
  if (missing.length === 0) return;
  const from = `${missing[0]}-01T00:00:00Z`;
  const to = `${missing.at(-1)}-01T00:00:00Z`;
  await db.transaction().execute(async (trx) => {
    await sql`select set_config('lock_timeout', ${PARTITION_LOCK_TIMEOUT}, true)`.execute(trx);
    await sql`select tagpulse_ensure_month_partitions(${from}::timestamptz, ${to}::timestamptz)`.execute(trx);
  });
  for (const m of missing) known.add(m);
}

/**
 * Ids by length, then text: numeric order for X's decimal ids (as the upsert's
 * NEWER_VERSION compares them), and a total order for every network's.
 */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * One row per id, keeping the newest observation; rows sorted by id so that
 * concurrent writers lock them in the same order and never deadlock.
 */
function newestAuthors(authors: Author[]): Author[] {
  const byId = new Map<string, Author>();
  for (const a of authors) {
    const seen = byId.get(a.id);
    if (!seen || seen.observedAt <= a.observedAt) byId.set(a.id, a);
  }
  return [...byId.values()].sort((a, b) => compareIds(a.id, b.id));
}

/** One row per edit chain, keeping its newest version. */
function newestVersions(posts: Post[]): Post[] {
  const byRoot = new Map<string, Post>();
  for (const p of posts) {
    const seen = byRoot.get(p.editRootId);
    if (!seen || compareIds(seen.id, p.id) < 0) byRoot.set(p.editRootId, p);
  }
  return [...byRoot.values()].sort((a, b) => compareIds(a.editRootId, b.editRootId));
}

/** An author row's figures, the ones whose change makes an upsert write. */
export const AUTHOR_FIGURE_COLUMNS = [
  'username',
  'name',
  'followers_count',
  'following_count',
  'post_count',
  'listed_count',
  'verified',
  'verified_type',
  'account_created_at',
];
const AUTHOR_FIGURES = (t: string) => sql.raw(AUTHOR_FIGURE_COLUMNS.map((c) => `${t}.${c}`).join(', '));

/**
 * The page's rows as CTEs: `page_authors` (the newest observation of each author, beside what is
 * stored of it), `page_posts` (the newest version of each edit chain, with its refresh schedule,
 * numbered `n`) and `page_tags` (each post's hashtags by its `n`). The author and post upserts,
 * the hashtag links and the roll-up marks all read them, so a page is sent and parsed once: when
 * each statement took its own arrays, a page was 48 arrays, 13 of them the marks' copies of the
 * posts' (33 now). Rows stay sorted by id (see {@link newestAuthors}).
 */
export function pageInput(posts: Post[], authors: Author[]): RawBuilder<unknown> {
  const a = newestAuthors(authors);
  const p = newestVersions(posts);
  const acol = <T>(f: (a: Author) => T) => a.map(f);
  const col = <T>(f: (p: Post) => T) => p.map(f);
  const schedules = p.map((x) => refreshSchedule(x.createdAt, x.observedAt));
  const tags = p.flatMap((x, i) => x.hashtags.map((tag) => ({ tag, n: i + 1 })));
  return sql`
    page_authors as (select r.*, s.unchanged, s.stored_observed_at, s.stored_followers from unnest(
      ${acol((a) => a.id)}::text[], ${acol((a) => a.network)}::text[], ${acol((a) => a.username)}::text[],
      ${acol((a) => a.name)}::text[], ${acol((a) => a.followers)}::int8[], ${acol((a) => a.following)}::int8[],
      ${acol((a) => a.posts)}::int8[], ${acol((a) => a.listed)}::int8[], ${acol((a) => a.verified)}::bool[],
      ${acol((a) => a.verifiedType)}::text[], ${acol((a) => a.accountCreatedAt?.toISOString() ?? null)}::timestamptz[],
      ${acol((a) => a.observedAt.toISOString())}::timestamptz[])
      as r(id, network, username, name, followers_count, following_count, post_count, listed_count, verified,
        verified_type, account_created_at, observed_at)
      -- Each author's stored row, looked up once for the upsert and the marks: by its key, never by
      -- hashing the whole table (offset 0 keeps it a lookup whatever the table's statistics say).
      left join lateral (select (${AUTHOR_FIGURES('a')}) is not distinct from (${AUTHOR_FIGURES('r')}) as unchanged,
        a.observed_at as stored_observed_at, a.followers_count as stored_followers
        from authors a where a.id = r.id offset 0) s on true),
    -- The payloads go as one JSON array beside the columns' arrays (ROWS FROM zips them): as text[]
    -- elements each payload's quotes were escaped by node and unescaped by PostgreSQL (node's
    -- parameter preparation per 100-post page went from 1.0 to 0.6 ms; bench ingest).
    page_posts as (select * from rows from (unnest(
      ${col((p) => p.editRootId)}::text[], ${col((p) => p.network)}::text[], ${col((p) => p.id)}::text[],
      ${col((p) => p.authorId)}::text[], ${col((p) => p.createdAt.toISOString())}::timestamptz[],
      ${col((p) => p.text)}::text[], ${col((p) => p.lang)}::text[], ${col((p) => p.kind)}::text[],
      ${col((p) => p.referencedPostId)}::text[], ${col((p) => p.conversationId)}::text[],
      ${col((p) => p.metrics.likes)}::int8[], ${col((p) => p.metrics.reposts)}::int8[],
      ${col((p) => p.metrics.replies)}::int8[], ${col((p) => p.metrics.quotes)}::int8[],
      ${col((p) => p.metrics.bookmarks)}::int8[], ${col((p) => p.metrics.impressions)}::int8[],
      ${col((p) => p.observedAt.toISOString())}::timestamptz[], ${schedules.map((s) => s.stage)}::int2[],
      ${schedules.map((s) => s.dueAt?.toISOString() ?? null)}::timestamptz[]
    ), jsonb_array_elements(${JSON.stringify(col((p) => p.raw))}::jsonb)) with ordinality
      as r(edit_root_id, network, id, author_id, created_at, text, lang, kind, referenced_post_id, conversation_id,
        like_count, repost_count, reply_count, quote_count, bookmark_count, impression_count, observed_at,
        refresh_stage, refresh_due_at, raw, n)),
    page_tags as (select * from unnest(${tags.map((t) => t.tag)}::text[], ${tags.map((t) => t.n)}::int8[]) as t(tag, n))`;
}

/**
 * The statement upserting the authors of {@link pageInput}: an existing author takes the new
 * figures when they were observed later and differ (`observed_at` then says when the figures last
 * changed as far as capture saw). Rows are inserted only where `guard` holds.
 */
export function authorsUpsert(guard: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    insert into authors (id, network, username, name, followers_count, following_count, post_count, listed_count,
      verified, verified_type, account_created_at, observed_at)
    select r.id, r.network, r.username, r.name, r.followers_count, r.following_count, r.post_count, r.listed_count,
      r.verified, r.verified_type, r.account_created_at, r.observed_at
    from page_authors r
    where ${guard}
      -- An author seen again with the same figures is left as is (most of a page's authors are): skipped
      -- here, it cost the input's lookup, where ON CONFLICT would lock its row (a WAL record) to find
      -- that out.
      and not coalesce(r.unchanged, false)
    on conflict (id) do update set
      username = excluded.username, name = excluded.name, followers_count = excluded.followers_count,
      following_count = excluded.following_count, post_count = excluded.post_count,
      listed_count = excluded.listed_count, verified = excluded.verified,
      verified_type = excluded.verified_type, account_created_at = excluded.account_created_at,
      observed_at = excluded.observed_at
    -- The same rule for a row written since this statement's snapshot (by a concurrent page).
    where authors.observed_at <= excluded.observed_at
      and (${AUTHOR_FIGURES('authors')}) is distinct from (${AUTHOR_FIGURES('excluded')})`;
}

/**
 * Whether the row `newer` names is a later edit of the one `older` names. Ids are decimal strings of
 * up to 19 digits: compared by length, then text. The upsert below and the page store's roll-up
 * marks judge a re-read post by it.
 */
export const newerVersionSql = (newer: string, older: string) =>
  sql.raw(`(length(${newer}.id), ${newer}.id) > (length(${older}.id), ${older}.id)`);
const NEWER_VERSION = newerVersionSql('excluded', 'posts');
const NEWER_METRICS = sql.raw('excluded.metrics_observed_at > posts.metrics_observed_at');

/**
 * Upserts the posts of {@link pageInput} by edit chain, where `guard` holds. Reading a post again
 * changes only `last_seen_at` and, when they were observed later, the metrics; a newer edit version
 * (a larger id in the same chain) replaces id, text and payload.
 */
export function postsUpsert(seenAt: Date, guard: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    insert into posts (edit_root_id, network, id, author_id, created_at, text, lang, kind, referenced_post_id,
      conversation_id, like_count, repost_count, reply_count, quote_count, bookmark_count, impression_count,
      metrics_observed_at, first_seen_at, last_seen_at, refresh_stage, refresh_due_at, raw)
    select r.edit_root_id, r.network, r.id, r.author_id, r.created_at, r.text, r.lang, r.kind, r.referenced_post_id,
      r.conversation_id, r.like_count, r.repost_count, r.reply_count, r.quote_count, r.bookmark_count,
      r.impression_count, r.observed_at, ${seenAt}::timestamptz, ${seenAt}::timestamptz, r.refresh_stage,
      r.refresh_due_at, r.raw
    from page_posts r
    where ${guard}
    on conflict (edit_root_id, created_at) do update set
      id = case when ${NEWER_VERSION} then excluded.id else posts.id end,
      text = case when ${NEWER_VERSION} then excluded.text else posts.text end,
      lang = case when ${NEWER_VERSION} then excluded.lang else posts.lang end,
      raw = case when ${NEWER_VERSION} then excluded.raw else posts.raw end,
      like_count = case when ${NEWER_METRICS} then excluded.like_count else posts.like_count end,
      repost_count = case when ${NEWER_METRICS} then excluded.repost_count else posts.repost_count end,
      reply_count = case when ${NEWER_METRICS} then excluded.reply_count else posts.reply_count end,
      quote_count = case when ${NEWER_METRICS} then excluded.quote_count else posts.quote_count end,
      bookmark_count = case when ${NEWER_METRICS} then excluded.bookmark_count else posts.bookmark_count end,
      impression_count = case when ${NEWER_METRICS} then excluded.impression_count else posts.impression_count end,
      metrics_observed_at = greatest(posts.metrics_observed_at, excluded.metrics_observed_at),
      last_seen_at = greatest(posts.last_seen_at, excluded.last_seen_at)`;
}

/**
 * The statement linking every hashtag of each post of {@link pageInput} (tracked or not), where
 * `guard` holds; a link stored before is left alone.
 */
export function hashtagLinksInsert(guard: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    insert into post_hashtags (tag_key, created_at, post_id, author_id)
    select t.tag, r.created_at, r.edit_root_id, r.author_id from page_tags t join page_posts r using (n)
    where ${guard}
    on conflict do nothing`;
}

type Db = Kysely<Database> | Transaction<Database>;

/**
 * How many X posts carrying any of the hashtags were created in each window of
 * `windowsMs` ending at `end` (a post with two of them counts once): the
 * posting rate a query's poll cadence follows.
 */
export async function countRecentPosts(
  db: Db,
  tagKeys: string[],
  end: Date,
  windowsMs: readonly number[],
): Promise<number[]> {
  if (tagKeys.length === 0 || windowsMs.length === 0) return windowsMs.map(() => 0);
  const starts = windowsMs.map((ms) => new Date(end.getTime() - ms));
  const earliest = new Date(Math.min(...starts.map((s) => s.getTime())));
  const { rows } = await sql<{ counts: number[] }>`
    select array[${sql.join(starts.map((s) => sql`count(distinct post_id) filter (where created_at >= ${s})::int`))}] as counts
    from post_hashtags
    where tag_key = any(${tagKeys}::text[]) and created_at >= ${earliest} and created_at < ${end}
      -- X's posts, read from the link alone: their ids are decimal (the posts' network check).
      and post_id ~ '^[0-9]+$'`.execute(db);
  return rows[0]?.counts ?? windowsMs.map(() => 0);
}

/**
 * The newest stored X posts carrying any of the hashtags, created at or after
 * `since` and not deleted, newest first: each one's current id and when X last
 * returned it (a poll anchors on those X already billed today).
 */
export async function newestPosts(
  db: Db,
  tagKeys: string[],
  since: Date,
  limit: number,
): Promise<{ id: string; last_seen_at: Date }[]> {
  if (tagKeys.length === 0) return [];
  return db
    .selectFrom('posts as p')
    .select(['p.id', 'p.last_seen_at'])
    .where('p.deleted_at', 'is', null)
    .where('p.network', '=', 'x')
    .where('p.created_at', '>=', since)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('post_hashtags as ph')
          .select(sql`1`.as('one'))
          .whereRef('ph.post_id', '=', 'p.edit_root_id')
          .whereRef('ph.created_at', '=', 'p.created_at')
          .where('ph.tag_key', 'in', tagKeys),
      ),
    )
    .orderBy('p.created_at', 'desc')
    .limit(limit)
    .execute();
}
