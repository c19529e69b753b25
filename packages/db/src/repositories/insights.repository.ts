import {
  bucketStart,
  encodeAuthorSet,
  type MetricValues,
  nextBucketStart,
  type PublicMetrics,
  STORED_METRICS,
  unionAuthorSets,
  ZERO_METRICS,
} from '@tagpulse/core';
import type { Kysely, RawBuilder } from 'kysely';
import { sql } from 'kysely';
import type { Database, PostKind, RollupNetwork, TopPostsRanking } from '../database.js';
import { ALL_NETWORKS_ROW, scopeMetrics, TOP_POSTS_PER_HOUR } from './rollups.repository.js';

type Db = Kysely<Database>;

/**
 * A period of one scope: `tags` are the hashtag keys it covers (one, or every
 * tracked one for "all"), `network` one network or all of them (the default).
 */
export interface ScopeRange {
  scope: string;
  tags: string[];
  from: Date;
  to: Date;
  network?: RollupNetwork | undefined;
}

const networkOf = (range: { network?: RollupNetwork | undefined }) => range.network ?? ALL_NETWORKS_ROW;

/** `column = network`, or true for all networks. */
function inNetwork(column: string, network: RollupNetwork) {
  return network === ALL_NETWORKS_ROW ? sql`true` : sql`${sql.ref(column)} = ${network}`;
}

/** The scope's live (not deleted) posts in [from, to), each once even when it carries several of the tags. */
function scopedPosts({ tags, from, to, network }: ScopeRange) {
  return sql`
    select p.* from posts p
    where p.deleted_at is null and p.created_at >= ${from} and p.created_at < ${to}
      and ${inNetwork('p.network', network ?? ALL_NETWORKS_ROW)}
      and exists (select 1 from post_hashtags ph where ph.post_id = p.edit_root_id
        and ph.created_at = p.created_at and ph.tag_key = any(${tags}::text[]))`;
}

/** The whole `grain` buckets (UTC) inside [from, to), and the slivers of [from, to) outside them. */
function split(from: Date, to: Date, grain: '5m' | '1h') {
  const first = bucketStart(from, grain, 'UTC');
  const lo = first < from ? nextBucketStart(first, grain, 'UTC') : first;
  const hi = bucketStart(to, grain, 'UTC');
  if (lo >= hi) return { whole: undefined, slivers: [{ from, to }] };
  const slivers = [
    { from, to: lo },
    { from: hi, to },
  ].filter((r) => r.from < r.to);
  return { whole: { from: lo, to: hi }, slivers };
}

/**
 * Totals of every metric over [from, to). The additive metrics are the sums of
 * the stored 5-minute roll-ups (plus the posts of the slivers at either end
 * that no whole bucket covers), so a summary equals the series it sums; the
 * distinct ones (unique authors, potential reach) are counted over the whole
 * period from the hashtags' index, never summed across buckets.
 */
export async function periodTotals(db: Db, range: ScopeRange): Promise<MetricValues> {
  const { scope, tags, from, to } = range;
  const network = networkOf(range);
  const { whole, slivers } = split(from, to, '5m');
  const [stored, edges, distinct] = await Promise.all([
    whole ? storedSums(db, scope, network, whole) : { ...ZERO_METRICS },
    slivers.length > 0
      ? scopeMetrics(db, {
          scope,
          network,
          tags,
          starts: slivers.map((r) => r.from),
          ends: slivers.map((r) => r.to),
        })
      : new Map<number, MetricValues>(),
    distinctAuthors(db, range),
  ]);
  const totals = { ...stored };
  for (const edge of edges.values()) {
    for (const metric of ADDITIVE_METRICS) totals[metric] += edge[metric];
  }
  return { ...totals, ...distinct };
}

const ADDITIVE_METRICS = STORED_METRICS.filter((m) => m !== 'unique_authors' && m !== 'potential_reach');

async function storedSums(
  db: Db,
  scope: string,
  network: RollupNetwork,
  { from, to }: { from: Date; to: Date },
): Promise<MetricValues> {
  const row = await db
    .selectFrom('rollups')
    .select((eb) => ADDITIVE_METRICS.map((m) => eb.fn.coalesce(eb.fn.sum<number>(m), eb.lit(0)).as(m)))
    .where('scope', '=', scope)
    .where('network', '=', network)
    .where('grain', '=', '5m')
    .where('tz', '=', 'UTC')
    .where('bucket_start', '>=', from)
    .where('bucket_start', '<', to)
    .executeTakeFirstOrThrow();
  return { ...ZERO_METRICS, ...row };
}

type DistinctTotals = Pick<MetricValues, 'unique_authors' | 'potential_reach'>;

/**
 * Distinct authors of the scope's live posts in [from, to), and their followers
 * summed once each: the union of the stored author sets of the whole UTC hours
 * in the period and the authors of the rest read from the posts (the slivers
 * at either end, and any hour without a set: no post of any tracked hashtag
 * when it was rolled up, or history not recomputed yet), exact. Each author's
 * followers are the newest observed (the posts' are current, an hour's as of
 * its roll-up).
 */
async function distinctAuthors(db: Db, range: ScopeRange): Promise<DistinctTotals> {
  const { whole, slivers } = split(range.from, range.to, '1h');
  const [hours, edges] = await Promise.all([
    whole ? hourSets(db, range.scope, networkOf(range), whole) : { starts: [], authors: new Uint8Array(0) },
    authorsOfRanges(db, range, slivers),
  ]);
  const missing = whole ? missingHours(whole, hours.starts) : [];
  const read = [...edges, ...(await authorsOfRanges(db, range, missing))];
  const numbered = read.flatMap(({ no, followers }) => (no === null ? [] : [{ no, followers }]));
  const union = unionAuthorSets([encodeAuthorSet(numbered), hours.authors]);
  // Authors without a number are in no stored set yet; the ranges read are disjoint, and an
  // author read twice without a number is one author.
  const unnumbered = new Map(read.flatMap(({ id, no, followers }) => (no === null ? [[id, followers]] : [])));
  for (const followers of unnumbered.values()) {
    union.unique_authors += 1;
    union.potential_reach += followers;
  }
  return union;
}

/** The hours of [from, to) not in `present` (ascending), merged into runs. */
function missingHours({ from, to }: { from: Date; to: Date }, present: Date[]): { from: Date; to: Date }[] {
  const have = new Set(present.map((t) => t.getTime()));
  const runs: { from: Date; to: Date }[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += 3_600_000) {
    if (have.has(t)) continue;
    const last = runs.at(-1);
    if (last && last.to.getTime() === t) last.to = new Date(t + 3_600_000);
    else runs.push({ from: new Date(t), to: new Date(t + 3_600_000) });
  }
  return runs;
}

/**
 * The author sets of the scope's UTC hours in [from, to) in a network, newest
 * first, as one value (one row to parse instead of one per hour), and the
 * hours that had one. An hour is computed when its all-networks set is
 * stored; a network without a set of its own there had no authors in it.
 */
async function hourSets(
  db: Db,
  scope: string,
  network: RollupNetwork,
  { from, to }: { from: Date; to: Date },
): Promise<{ starts: Date[]; authors: Uint8Array }> {
  const { rows } = await sql<{ starts: Date[] | null; authors: Buffer | null }>`
    select array_agg(bucket_start) filter (where network = ${ALL_NETWORKS_ROW}) as starts,
      string_agg(authors, ''::bytea order by bucket_start desc) filter (where network = ${network}) as authors
    from rollup_hour_authors
    where scope = ${scope} and network in (${ALL_NETWORKS_ROW}, ${network})
      and bucket_start >= ${from} and bucket_start < ${to}`.execute(db);
  return { starts: rows[0]?.starts ?? [], authors: rows[0]?.authors ?? new Uint8Array(0) };
}

/** The distinct authors of the scope's live posts in the ranges, with their numbers (if any) and current followers. */
async function authorsOfRanges(
  db: Db,
  range: ScopeRange,
  ranges: { from: Date; to: Date }[],
): Promise<{ id: string; no: number | null; followers: number }[]> {
  if (ranges.length === 0) return [];
  const { rows } = await sql<{ id: string; no: number | null; followers: number }>`
    select x.author_id as id, n.author_no as no, coalesce(a.followers_count, 0)::int as followers
    from (${liveAuthorIds(range.tags, networkOf(range), ranges)}) x
    left join author_numbers n on n.author_id = x.author_id
    left join authors a on a.id = x.author_id`.execute(db);
  return rows;
}

/**
 * The distinct authors of the tags' live posts in the ranges: an index-only
 * scan of (tag, time) → (author, post); deleted posts are few, and anti-joined.
 */
function liveAuthorIds(tags: string[], network: RollupNetwork, ranges: { from: Date; to: Date }[]) {
  const within = (column: string) =>
    sql.join(
      ranges.map((r) => sql`(${sql.ref(column)} >= ${r.from} and ${sql.ref(column)} < ${r.to})`),
      sql` or `,
    );
  return sql`
    select distinct ph.author_id from post_hashtags ph
    where ph.tag_key = any(${tags}::text[]) and (${within('ph.created_at')})
      ${
        network === ALL_NETWORKS_ROW
          ? sql``
          : sql`and exists (select from posts n where n.edit_root_id = ph.post_id
              and n.created_at = ph.created_at and n.network = ${network})`
      }
      and (ph.post_id, ph.created_at) not in (
        select d.edit_root_id, d.created_at from posts d
        where d.deleted_at is not null and (${within('d.created_at')}))`;
}

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
 * The period's top posts. Candidates are the best of the stored top posts of
 * the whole UTC hours in the period and the top posts of the slivers at either
 * end; the result is ranked again on the posts' current figures. `limit` is at most
 * {@link TOP_POSTS_PER_HOUR}.
 */
export async function topPosts(
  db: Db,
  range: ScopeRange,
  { by, limit }: { by: TopPostsBy; limit: number },
): Promise<PostView[]> {
  // Past the stored candidates, an hour's top posts would be missing from the period's.
  if (limit > TOP_POSTS_PER_HOUR) throw new RangeError(`at most ${TOP_POSTS_PER_HOUR} top posts`);
  const ranking: TopPostsRanking = by === 'reach' ? 'followers' : by;
  // Posts of a network that counts no views have no impressions: last, never first.
  const order = sql`${RANKING_VALUE[ranking]} desc nulls last, p.created_at desc, p.edit_root_id`;
  const { whole, slivers } = split(range.from, range.to, '1h');
  const candidates = [
    ...(whole
      ? [
          // Ranked on the values the roll-ups stored, which a refresh of a post's figures
          // recomputes: only the winners' posts are read.
          sql`(select post_id, created_at from rollup_top_posts
            where scope = ${range.scope} and network = ${networkOf(range)} and ranking = ${ranking}
              and bucket_start >= ${whole.from} and bucket_start < ${whole.to}
            order by value desc, created_at desc, post_id limit ${limit})`,
        ]
      : []),
    ...slivers.map(
      (sliver) => sql`(select p.edit_root_id, p.created_at
        from (${scopedPosts({ ...range, ...sliver })}) p left join authors a on a.id = p.author_id
        order by ${order} limit ${limit})`,
    ),
  ];
  const { rows } = await sql<PostView>`
    select ${POST_VIEW}, ${ENGAGEMENTS} as engagements
    from (${sql.join(candidates, sql` union `)}) c (post_id, created_at)
    join posts p on p.edit_root_id = c.post_id and p.created_at = c.created_at
    left join authors a on a.id = p.author_id
    where p.deleted_at is null
    order by ${order}
    limit ${limit}`.execute(db);
  return rows;
}

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
