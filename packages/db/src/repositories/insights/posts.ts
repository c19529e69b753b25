import { bucketStart, type PublicMetrics, wholeBuckets } from '@tagpulse/core';
import type { Kysely, RawBuilder } from 'kysely';
import { sql } from 'kysely';
import type { Database, PostKind, TopPostsRanking } from '../../database.js';
import { TOP_POSTS_PER_HOUR } from '../rollups.repository.js';
import { networkOf, type ScopeRange, scopedPosts } from './scope-range.js';

// The posts, authors, hashtags and languages behind a period's figures, as the API lists them.

type Db = Kysely<Database>;

const ENGAGEMENTS = sql.raw(
  "case when p.kind = 'repost' then 0 else p.like_count + p.repost_count + p.reply_count + p.quote_count + p.bookmark_count end",
);

export type TopPostsBy = 'engagements' | 'impressions' | 'reach' | 'followers';

/** A post as the API shows it: its latest public metrics under core's names, and its engagements. */
export interface PostView extends PublicMetrics {
  id: string;
  edit_root_id: string;
  created_at: Date;
  kind: PostKind;
  lang: string | null;
  text: string;
  author_id: string;
  author_username: string | null;
  author_followers: number;
  engagements: number;
}

const POST_VIEW = sql.raw(`
  p.id, p.edit_root_id, p.created_at, p.kind, p.lang, p.text, p.author_id,
  a.username as author_username, coalesce(a.followers_count, 0) as author_followers,
  p.like_count as likes, p.repost_count as reposts, p.reply_count as replies, p.quote_count as quotes,
  p.bookmark_count as bookmarks, p.impression_count as impressions`);

/** What a ranking orders by, over `p` (a post) and `a` (its author). */
const RANKING_VALUE: Record<TopPostsRanking, RawBuilder<unknown>> = {
  engagements: ENGAGEMENTS,
  impressions: sql.raw('p.impression_count'),
  followers: sql.raw('coalesce(a.followers_count, 0)'),
};

/**
 * The period's top posts. Candidates are the best of the stored top posts of the UTC hours the
 * period overlaps, those of an hour it covers in part kept when inside the period; the result is
 * ranked again on the posts' current figures. `limit` is at most {@link TOP_POSTS_PER_HOUR}.
 */
export async function topPosts(
  db: Db,
  range: ScopeRange,
  { by, limit }: { by: TopPostsBy; limit: number },
): Promise<PostView[]> {
  // Past the stored candidates, an hour's top posts would be missing from the period's.
  if (limit > TOP_POSTS_PER_HOUR) throw new RangeError(`at most ${TOP_POSTS_PER_HOUR} top posts`);
  const ranking: TopPostsRanking = by === 'reach' ? 'followers' : by;
  const { whole, slivers } = wholeBuckets(range.from, range.to, '1h');
  if (slivers.length === 0 && whole)
    return (await topOfCandidates(db, ranking, limit, [storedTop(range, ranking, limit, whole)])).map(
      withoutComplete,
    );
  // An hour's stored top posts inside the period are its sliver's top ones when they are at least
  // `limit`, or all of the hour's (fewer than an hour keeps); only otherwise are its posts read.
  const partHours = [range.from, range.to].flatMap((t) => {
    const hour = bucketStart(t, '1h', 'UTC');
    return hour < t ? [hour] : [];
  });
  const hours = { from: bucketStart(range.from, '1h', 'UTC'), to: range.to };
  const fromStored = await topOfCandidates(
    db,
    ranking,
    limit,
    [storedTop(range, ranking, limit, hours)],
    sql`
    not exists (
      select from rollup_top_posts
      where scope = ${range.scope} and network = ${networkOf(range)} and ranking = ${ranking}
        and bucket_start = any(${partHours.map((h) => h.toISOString())}::timestamptz[])
      group by bucket_start
      having count(*) >= ${TOP_POSTS_PER_HOUR}
        and count(*) filter (where created_at >= ${range.from} and created_at < ${range.to}) < ${limit})`,
  );
  // Fewer than `limit` found: the period may have fewer posts, or a sliver more than it kept.
  if (fromStored.length === limit && fromStored.every((p) => p.complete))
    return fromStored.map(withoutComplete);
  const candidates = [
    ...(whole ? [storedTop(range, ranking, limit, whole)] : []),
    ...slivers.map(
      (sliver) => sql`(select p.edit_root_id, p.created_at
        from (${scopedPosts({ ...range, ...sliver })}) p left join authors a on a.id = p.author_id
        order by ${postsOrder(ranking)} limit ${limit})`,
    ),
  ];
  // A sliver's few hundred posts were sorted in parallel workers: starting them was 20 of the
  // statement's 35 ms (bench api, 1 M posts), its own work 8 ms. The setting lasts the transaction
  // it opens; a caller's own transaction is left as it is.
  const read = (trx: Db) =>
    topOfCandidates(trx, ranking, limit, candidates).then((r) => r.map(withoutComplete));
  if (db.isTransaction) return read(db);
  return db.transaction().execute(async (trx) => {
    await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
    return read(trx);
  });
}

/** Posts of a network that counts no views have no impressions: last, never first. */
const postsOrder = (ranking: TopPostsRanking) =>
  sql`${RANKING_VALUE[ranking]} desc nulls last, p.created_at desc, p.edit_root_id`;

/**
 * The best `limit` stored top posts of the UTC hours starting in [hours.from, hours.to) that lie
 * inside the range, ranked on the values the roll-ups stored (which a refresh of a post's figures
 * recomputes): only the winners' posts are read.
 */
function storedTop(
  range: ScopeRange,
  ranking: TopPostsRanking,
  limit: number,
  hours: { from: Date; to: Date },
) {
  return sql`(select post_id, created_at from rollup_top_posts
    where scope = ${range.scope} and network = ${networkOf(range)} and ranking = ${ranking}
      and bucket_start >= ${hours.from} and bucket_start < ${hours.to}
      and created_at >= ${range.from} and created_at < ${range.to}
    order by value desc, created_at desc, post_id limit ${limit})`;
}

/** The top `limit` of the candidates (post id, created_at) on current figures, with `complete` (true without a condition). */
async function topOfCandidates(
  db: Db,
  ranking: TopPostsRanking,
  limit: number,
  candidates: RawBuilder<unknown>[],
  complete: RawBuilder<unknown> = sql`true`,
): Promise<(PostView & { complete: boolean })[]> {
  const { rows } = await sql<PostView & { complete: boolean }>`
    select ${POST_VIEW}, ${ENGAGEMENTS} as engagements, ${complete} as complete
    from (${sql.join(candidates, sql` union `)}) c (post_id, created_at)
    join posts p on p.edit_root_id = c.post_id and p.created_at = c.created_at
    left join authors a on a.id = p.author_id
    where p.deleted_at is null
    order by ${postsOrder(ranking)}
    limit ${limit}`.execute(db);
  return rows;
}

const withoutComplete = ({ complete: _complete, ...post }: PostView & { complete: boolean }): PostView =>
  post;

export interface AuthorView {
  id: string;
  username: string | null;
  name: string | null;
  followers: number;
  posts: number;
  /** Null when none of the author's posts counts views (Mastodon, Bluesky). */
  impressions: number | null;
  engagements: number;
}

export async function topAuthors(
  db: Db,
  range: ScopeRange,
  { by, limit }: { by: TopPostsBy; limit: number },
): Promise<AuthorView[]> {
  // An author's reach is their followers.
  const order = {
    engagements: sql.raw('engagements desc'),
    impressions: sql.raw('impressions desc nulls last'),
    reach: sql.raw('followers desc'),
    followers: sql.raw('followers desc'),
  }[by];
  const { rows } = await sql<AuthorView>`
    select p.author_id as id, a.username, a.name, coalesce(a.followers_count, 0) as followers,
      count(*) as posts, sum(p.impression_count) as impressions, sum(${ENGAGEMENTS}) as engagements
    from (${scopedPosts(range)}) p left join authors a on a.id = p.author_id
    group by p.author_id, a.username, a.name, a.followers_count
    order by ${order}, posts desc, p.author_id
    limit ${limit}`.execute(db);
  return rows;
}

/** Other hashtags on the scope's posts, by number of posts. */
export async function cohashtags(
  db: Db,
  range: ScopeRange,
  { limit }: { limit: number },
): Promise<{ tag_key: string; posts: number }[]> {
  const { rows } = await sql<{ tag_key: string; posts: number }>`
    select ph.tag_key, count(*) as posts
    from (${scopedPosts(range)}) p
    join post_hashtags ph on ph.post_id = p.edit_root_id and ph.created_at = p.created_at
    where ph.tag_key <> all(${range.tags}::text[])
    group by ph.tag_key order by posts desc, ph.tag_key limit ${limit}`.execute(db);
  return rows;
}

/** Posts per language (`und` when X could not tell or did not say). */
export async function languages(db: Db, range: ScopeRange): Promise<{ lang: string; posts: number }[]> {
  const { rows } = await sql<{ lang: string; posts: number }>`
    select coalesce(p.lang, 'und') as lang, count(*) as posts
    from (${scopedPosts(range)}) p group by 1 order by posts desc, lang`.execute(db);
  return rows;
}

export interface PostsFilter {
  kind?: PostKind | undefined;
  lang?: string | undefined;
  authorId?: string | undefined;
  /** Continue after this (created_at, edit_root_id), newest first. */
  after?: { createdAt: Date; editRootId: string } | undefined;
  limit: number;
}

/** One page of the scope's posts, newest first, keyset-paged. */
export async function listPosts(db: Db, range: ScopeRange, filter: PostsFilter): Promise<PostView[]> {
  const { kind, lang, authorId, after, limit } = filter;
  const { rows } = await sql<PostView>`
    select ${POST_VIEW}, ${ENGAGEMENTS} as engagements
    from (${scopedPosts(range)}) p left join authors a on a.id = p.author_id
    where true
      ${kind ? sql`and p.kind = ${kind}` : sql``}
      ${lang ? sql`and coalesce(p.lang, 'und') = ${lang}` : sql``}
      ${authorId ? sql`and p.author_id = ${authorId}` : sql``}
      ${after ? sql`and (p.created_at, p.edit_root_id) < (${after.createdAt}::timestamptz, ${after.editRootId}::text)` : sql``}
    order by p.created_at desc, p.edit_root_id desc
    limit ${limit}`.execute(db);
  return rows;
}
