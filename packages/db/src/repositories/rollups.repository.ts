import {
  bucketStart,
  bucketStarts,
  DEFINITIONS_VERSIONS,
  distinctBucketStarts,
  type Grain,
  type MetricValues,
  nextBucketStart,
  STORED_METRICS,
  type StoredMetric,
} from '@tagpulse/core';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, RollupNetwork } from '../database.js';
import { bucketModesCte, staleDefinitionBuckets, versionOf } from './rollups-definitions.repository.js';

type Db = Kysely<Database>;

/** The scope of the series of all tracked hashtags together. */
export const ALL_SCOPE = '*';

/**
 * The roll-up network of every network together: the sum of the networks'
 * rows (no author is on two networks, so distinct counts sum too). Readers
 * default to it, so a series read without a network is all networks'.
 */
export const ALL_NETWORKS_ROW: RollupNetwork = '*';

/** Buckets per statement: bounds the statement's memory and keeps each upsert short. */
const CHUNK = 2_000;

/*
 * What is stored, and why (measured on the bench's 10 M posts):
 * - 5-minute and hour rows in UTC. A 5-minute bucket is the same in every zone in use
 *   (offsets are multiples of 15 minutes), and an hour is the same in every whole-hour zone,
 *   so these serve most zones without copies. A 90-day hourly series reads 2 160 rows by
 *   primary key.
 * - Day and week rows (and hour rows where the zone's hours do not start on a UTC hour, as
 *   in Kolkata) per *registered* zone. Days and weeks cannot be summed from hours for the
 *   distinct metrics (unique authors, reach), and computing them from the posts on each
 *   request costs seconds over months of posts. A zone is registered the first time a series asks for
 *   it (at most ROLLUP_ZONES_MAX of them from read keys) and its history is computed from
 *   the posts by a worker; from then on every touched bucket is maintained in it as in UTC.
 *   Until it is ready, its series are computed from the posts of the period asked.
 */

/** Zones whose hour (when not UTC-aligned), day and week roll-ups are maintained. */
export async function listZones(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('rollup_zones').select('tz').orderBy('tz').execute();
  return rows.map((r) => r.tz);
}

/** Where a zone's rows stand: read from the stored rows only once `ready`. */
export interface ZoneStatus {
  ready: boolean;
  /** Back-fill tries so far (a worker that died mid-way counts as one). */
  buildAttempts: number;
}

export async function zoneStatus(db: Db, tz: string): Promise<ZoneStatus | undefined> {
  const row = await db
    .selectFrom('rollup_zones')
    .select(['ready_at', 'build_attempts'])
    .where('tz', '=', tz)
    .executeTakeFirst();
  return row && { ready: row.ready_at !== null, buildAttempts: row.build_attempts };
}

/** True when a zone's stored rows are complete (back-filled), so series may be read from them. */
export async function zoneReady(db: Db, tz: string): Promise<boolean> {
  return (await zoneStatus(db, tz))?.ready ?? false;
}

/**
 * Registers a zone for a worker to build ({@link buildDueZone}), unless `max`
 * zones besides UTC are registered already: every registered zone costs each
 * stored page a recompute, so their number is bounded. `tz` must be a
 * canonical name (core's `canonicalZone`), or spellings would multiply it.
 * Builds nothing itself: a request that registers a zone does no more work.
 */
export async function registerZone(
  db: Db,
  tz: string,
  { max }: { max: number },
): Promise<'registered' | 'known' | 'full'> {
  return db.transaction().execute(async (trx) => {
    // Two processes registering at once must not both take the last place.
    await sql`select pg_advisory_xact_lock(hashtext('tagpulse.rollup_zones'))`.execute(trx);
    const zones = await listZones(trx);
    if (zones.includes(tz)) return 'known';
    if (zones.filter((z) => z !== 'UTC').length >= max) return 'full';
    await trx.insertInto('rollup_zones').values({ tz }).execute();
    return 'registered';
  });
}

/** How long a worker's claim on a zone's back-fill lasts; renewed after each chunk it writes. */
const ZONE_BUILD_LEASE = '10 minutes';

/**
 * Claims one registered zone that is not built yet and whose due time has
 * passed, computes its history from the posts and marks it ready. A worker
 * that dies mid-way leaves its lease to expire, and a failure records its
 * error and a due time (10 s doubling to 15 minutes) for the next try: every
 * registered zone is built in the end. Registered before it is built, so a
 * page stored meanwhile is recomputed in the zone by its own job, or already
 * seen by the back-fill. Returns the zone tried, if any, with its error.
 */
export async function buildDueZone(db: Db): Promise<{ tz: string; error?: string } | undefined> {
  const { rows } = await sql<{ tz: string }>`
    update rollup_zones set build_attempts = build_attempts + 1,
      build_due_at = now() + ${ZONE_BUILD_LEASE}::interval
    where tz = (select tz from rollup_zones where ready_at is null and build_due_at <= now()
      order by build_due_at limit 1 for update skip locked)
    returning tz`.execute(db);
  const tz = rows[0]?.tz;
  if (tz === undefined) return undefined;
  const renewLease = async () => {
    await sql`update rollup_zones set build_due_at = now() + ${ZONE_BUILD_LEASE}::interval
      where tz = ${tz}`.execute(db);
  };
  try {
    await backfill(db, { zones: [tz], utc: false, onChunk: renewLease });
    await db
      .updateTable('rollup_zones')
      .set({ ready_at: sql<Date>`now()`, build_error: null })
      .where('tz', '=', tz)
      .execute();
    return { tz };
  } catch (err) {
    const error = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    await sql`update rollup_zones set build_error = ${error},
        build_due_at = now() + least(interval '15 minutes', interval '10 seconds' * power(2, build_attempts - 1))
      where tz = ${tz}`.execute(db);
    return { tz, error };
  }
}

/** The tracked hashtags: the scopes a recompute writes, besides {@link ALL_SCOPE}. */
async function trackedKeys(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('hashtags').select('tag_key').where('active', '=', true).execute();
  return rows.map((r) => r.tag_key);
}

/** True when a zone's hour bucket at `start` is a UTC hour, so the UTC row serves it. */
function utcAlignedHour(start: Date): boolean {
  return start.getTime() % 3_600_000 === 0;
}

/** The (grain, zone) bucket sets that contain the given instants, for every stored series. */
function bucketSets(
  instants: Date[],
  zones: string[],
  utc: boolean,
): { grain: Grain; tz: string; starts: Date[] }[] {
  const sets: { grain: Grain; tz: string; starts: Date[] }[] = [];
  if (utc) {
    sets.push({ grain: '5m', tz: 'UTC', starts: distinctBucketStarts(instants, '5m', 'UTC') });
    sets.push({ grain: '1h', tz: 'UTC', starts: distinctBucketStarts(instants, '1h', 'UTC') });
  }
  for (const tz of zones) {
    const hours = distinctBucketStarts(instants, '1h', tz).filter((s) => !utcAlignedHour(s));
    if (tz !== 'UTC' && hours.length > 0) sets.push({ grain: '1h', tz, starts: hours });
    sets.push({ grain: '1d', tz, starts: distinctBucketStarts(instants, '1d', tz) });
    sets.push({ grain: '1w', tz, starts: distinctBucketStarts(instants, '1w', tz) });
  }
  return sets.filter((s) => s.starts.length > 0);
}

/**
 * Recomputes the roll-ups a stored page touched, in every stored series: the
 * roll-up job's body. `touched` are the 5-minute bucket starts of the page's
 * posts (`touchedBuckets(page.posts)` in core); every hour, day and week
 * holding one of them is recomputed from the posts, for each tracked hashtag
 * and for all of them together.
 */
export async function recomputeTouched(db: Db, touched: Date[]): Promise<void> {
  if (touched.length === 0) return;
  // A day's first repost changes the definitions its other buckets follow.
  const [zones, tags, stale] = await Promise.all([
    listZones(db),
    trackedKeys(db),
    staleDefinitionBuckets(db, touched),
  ]);
  for (const set of bucketSets([...touched, ...stale], zones, true)) await recompute(db, set, tags);
}

/** Recomputes the given buckets of one series (grain and zone) for every tracked hashtag and for all together. */
export async function recomputeBuckets(
  db: Db,
  { grain, tz, bucketStarts: starts }: { grain: Grain; tz: string; bucketStarts: Date[] },
): Promise<void> {
  await recompute(db, { grain, tz, starts }, await trackedKeys(db));
}

/**
 * Recomputes every bucket that holds a post of a tracked hashtag, in UTC (when
 * `utc`) and in the given zones: a zone's registration, or the whole history.
 */
export async function backfill(
  db: Db,
  { zones, utc, onChunk }: { zones: string[]; utc: boolean; onChunk?: () => Promise<void> },
): Promise<void> {
  const tags = await trackedKeys(db);
  if (tags.length === 0) return;
  const range = await db
    .selectFrom('post_hashtags')
    .select((eb) => [eb.fn.min('created_at').as('first'), eb.fn.max('created_at').as('last')])
    .where('tag_key', 'in', tags)
    .executeTakeFirst();
  if (!range?.first || !range.last) return;
  const first = new Date(range.first);
  const last = new Date(new Date(range.last).getTime() + 1);
  const series: { grain: Grain; tz: string }[] = [
    ...(utc ? (['5m', '1h'] as const).map((grain) => ({ grain, tz: 'UTC' })) : []),
    ...zones.flatMap((tz) =>
      (tz === 'UTC' ? (['1d', '1w'] as const) : (['1h', '1d', '1w'] as const)).map((grain) => ({
        grain,
        tz,
      })),
    ),
  ];
  for (const { grain, tz } of series) {
    const starts = bucketStarts(first, last, grain, tz);
    // A zone's hours that are UTC hours are served by the UTC rows.
    const own = grain === '1h' && tz !== 'UTC' ? starts.filter((s) => !utcAlignedHour(s)) : starts;
    await recompute(db, { grain, tz, starts: own }, tags, onChunk);
  }
}

/**
 * Recomputes every stored bucket computed with definitions no longer in use,
 * or with others than its UTC day follows now (the search index mode
 * changed). Call at worker start: a definition change then reaches the whole
 * history.
 */
export async function recomputeOutdated(db: Db): Promise<number> {
  const stale = await staleDefinitionBuckets(db);
  await recomputeTouched(db, stale);
  const rows = await db
    .selectFrom('rollups')
    .select(['grain', 'tz', 'bucket_start'])
    .distinct()
    .where('definitions_version', 'not in', [...DEFINITIONS_VERSIONS])
    .execute();
  const sets = new Map<string, { grain: Grain; tz: string; starts: Date[] }>();
  for (const r of rows) {
    const key = `${r.grain} ${r.tz}`;
    const set = sets.get(key) ?? { grain: r.grain, tz: r.tz, starts: [] };
    set.starts.push(r.bucket_start);
    sets.set(key, set);
  }
  const tags = await trackedKeys(db);
  for (const set of sets.values()) await recompute(db, set, tags);
  return stale.length + rows.length;
}

async function recompute(
  db: Db,
  set: { grain: Grain; tz: string; starts: Date[] },
  tags: string[],
  onChunk?: () => Promise<void>,
): Promise<void> {
  const starts = [...set.starts].sort((a, b) => a.getTime() - b.getTime());
  for (let i = 0; i < starts.length; i += CHUNK) {
    await recomputeChunk(db, { ...set, starts: starts.slice(i, i + CHUNK) }, tags);
    await onChunk?.();
  }
}

/** Adjacent buckets merged into [lo, hi) runs; `starts` ascending, `ends[i]` the end of `starts[i]`. */
function runsOf(starts: Date[], ends: Date[]): { lo: Date; hi: Date }[] {
  const runs: { lo: Date; hi: Date }[] = [];
  starts.forEach((start, i) => {
    const last = runs.at(-1);
    const end = ends[i] as Date;
    if (last && last.hi.getTime() === start.getTime()) last.hi = end;
    else runs.push({ lo: start, hi: end });
  });
  return runs;
}

/**
 * The CTEs `tagged` (a row per post and tracked hashtag of `tags`, with its
 * bucket and whether the bucket follows the legacy definitions) and `scoped`
 * (a row per post and scope: each hashtag, and once per post for all of them
 * together, scope {@link ALL_SCOPE}) over the [start, end) buckets. Deleted
 * posts are excluded: a deleted post leaves the volume it was counted in, as
 * X's counts do. A bucket under the newest definitions counts what X's 2026
 * search returns, so a repost stored from an earlier search is left out of it.
 */
function scopedPostsCtes({ starts, ends, tags }: { starts: Date[]; ends: Date[]; tags: string[] }) {
  // Each post finds its bucket by binary search over the sorted starts (width_bucket), and the
  // posts are read by constant time ranges, one per run of adjacent buckets: a join on bucket
  // ranges made the planner compare every post with every bucket.
  const startsArray = sql`${starts.map((s) => s.toISOString())}::timestamptz[]`;
  const within = (column: string) =>
    sql.join(
      runsOf(starts, ends).map((r) => sql`(${sql.ref(column)} >= ${r.lo} and ${sql.ref(column)} < ${r.hi})`),
      sql` or `,
    );
  return sql`
    ${bucketModesCte({ starts, ends })},
    tagged as (
      select t.*, m.legacy from (
        select (${startsArray})[width_bucket(ph.created_at, ${startsArray})] as bucket_start,
          ph.tag_key, p.network, p.edit_root_id, p.created_at, p.kind, p.author_id, p.impression_count,
          case when p.kind = 'repost' then 0 else p.repost_count end as repost_count,
          case when p.kind = 'repost' then 0
            else p.like_count + p.repost_count + p.reply_count + p.quote_count + p.bookmark_count end as engagements
        from post_hashtags ph
        join posts p on p.edit_root_id = ph.post_id and p.created_at = ph.created_at
        where ph.tag_key = any(${tags}::text[]) and p.deleted_at is null
          and (${within('ph.created_at')}) and (${within('p.created_at')})
      ) t
      join bucket_modes m using (bucket_start)
      where m.legacy or t.kind <> 'repost'
    ),
    scoped as (
      select bucket_start, tag_key as scope, network, edit_root_id, created_at, kind, author_id, impression_count,
        repost_count, engagements, legacy
      from tagged
      union all
      select distinct on (bucket_start, edit_root_id)
        bucket_start, ${ALL_SCOPE}::text, network, edit_root_id, created_at, kind, author_id, impression_count,
        repost_count, engagements, legacy
      from tagged
    )`;
}

/**
 * The metrics of each [start, end) bucket, per hashtag of `tags` and for all
 * of them together, per network and for all networks ({@link ALL_NETWORKS_ROW},
 * their sum): rows of (scope, network, bucket_start, metrics…) for the
 * buckets, scopes and networks that have posts. Distinct authors are counted,
 * and their followers summed once each, per bucket. Reposts are the captured
 * reposts under the legacy definitions, the other posts' retweet_count under
 * the newest. Impressions are summed over the networks that count them.
 */
export function bucketMetrics(buckets: { starts: Date[]; ends: Date[]; tags: string[] }) {
  return sql<{ scope: string; network: RollupNetwork; bucket_start: Date } & MetricValues>`
    with ${scopedPostsCtes(buckets)},
    agg as (
      select scope, network, bucket_start, count(*) as posts,
        count(*) filter (where kind = 'original') as originals,
        count(*) filter (where kind = 'reply') as replies,
        count(*) filter (where kind = 'quote') as quotes,
        case when bool_and(legacy) then count(*) filter (where kind = 'repost')
          else coalesce(sum(repost_count), 0) end as reposts,
        count(distinct author_id) as unique_authors,
        coalesce(sum(impression_count), 0) as impressions, coalesce(sum(engagements), 0) as engagements
      from scoped group by scope, network, bucket_start
    ),
    reach as (
      select d.scope, d.network, d.bucket_start, sum(a.followers_count) as potential_reach
      from (select distinct scope, network, bucket_start, author_id from scoped) d
      join authors a on a.id = d.author_id
      group by d.scope, d.network, d.bucket_start
    ),
    by_network as (
      select agg.*, coalesce(reach.potential_reach, 0) as potential_reach
      from agg left join reach using (scope, network, bucket_start)
    )
    select * from by_network
    union all
    select scope, ${ALL_NETWORKS_ROW}::text, bucket_start, sum(posts), sum(originals), sum(replies), sum(quotes),
      sum(reposts), sum(unique_authors), sum(impressions), sum(engagements), sum(potential_reach)
    from by_network group by scope, bucket_start`;
}

/** How many of each hour's top posts are kept per ranking and scope: the top-posts route's largest limit. */
export const TOP_POSTS_PER_HOUR = 100;

/**
 * Replaces the top posts of the given UTC hours, per ranking and scope. A
 * ranking orders by its value, then newest first, then by id: the order of the
 * top-posts query, so a period's top k are always among its hours' top k.
 */
async function recomputeTopPosts(
  db: Db,
  { starts, ends, tags, scopes }: { starts: Date[]; ends: Date[]; tags: string[]; scopes: string[] },
): Promise<void> {
  await sql`
    delete from rollup_top_posts
    where scope = any(${scopes}::text[])
      and bucket_start = any(${starts.map((s) => s.toISOString())}::timestamptz[])`.execute(db);
  await sql`
    with ${scopedPostsCtes({ starts, ends, tags })},
    ranked as (
      select s.scope, n.network, s.bucket_start, s.edit_root_id, s.created_at, r.ranking, r.value,
        row_number() over (partition by s.scope, n.network, s.bucket_start, r.ranking
          order by r.value desc, s.created_at desc, s.edit_root_id) as rank
      from scoped s
      left join authors a on a.id = s.author_id
      -- Each post ranks in its network and among all networks.
      cross join lateral (values (s.network), (${ALL_NETWORKS_ROW}::text)) as n(network)
      cross join lateral (values ('engagements', s.engagements), ('impressions', s.impression_count),
        ('followers', coalesce(a.followers_count, 0))) as r(ranking, value)
      -- Posts of a network that counts no views have no place in the impressions ranking.
      where r.value is not null
    )
    insert into rollup_top_posts (scope, network, ranking, bucket_start, post_id, created_at, value)
    select scope, network, ranking, bucket_start, edit_root_id, created_at, value
    from ranked where rank <= ${TOP_POSTS_PER_HOUR}
    -- Two rows of one edit chain in an hour (stored before the x-client dated edits by the
    -- root's second) must not stop every roll-up: the chain keeps one place.
    on conflict (scope, network, ranking, bucket_start, post_id) do nothing`.execute(db);
}

/**
 * Replaces the distinct-author sets of the given UTC hours, per scope, empty
 * ones included (see `rollup_hour_authors` in the migration): first numbers
 * the authors seen for the first time, then writes each set as big-endian
 * (author_no, followers) pairs ordered by number.
 */
async function recomputeHourAuthors(
  db: Db,
  { starts, ends, tags, scopes }: { starts: Date[]; ends: Date[]; tags: string[]; scopes: string[] },
): Promise<void> {
  // Only new authors are inserted: an insert that conflicts would still spend a sequence value.
  await sql`
    with ${scopedPostsCtes({ starts, ends, tags })}
    insert into author_numbers (author_id)
    select distinct t.author_id from tagged t
    where not exists (select from author_numbers n where n.author_id = t.author_id)
    on conflict do nothing`.execute(db);
  await sql`
    with ${scopedPostsCtes({ starts, ends, tags })},
    sets as (
      -- Per network, and all networks together (an author is on one network: no duplicates).
      select d.scope, coalesce(d.network, ${ALL_NETWORKS_ROW}) as network, d.bucket_start,
        string_agg(int4send(n.author_no)
          || int4send(least(coalesce(a.followers_count, 0), 2147483647)::int), ''::bytea
          order by n.author_no) as authors
      from (select distinct scope, network, bucket_start, author_id from scoped) d
      join author_numbers n on n.author_id = d.author_id
      left join authors a on a.id = d.author_id
      group by grouping sets ((d.scope, d.network, d.bucket_start), (d.scope, d.bucket_start))
    ),
    -- Every (scope, hour) of all networks, empty ones included; a network's only where it has
    -- authors or had some, so a network without posts costs no rows.
    targets as (
      select s.scope, ${ALL_NETWORKS_ROW}::text as network, b.bucket_start
      from unnest(${starts.map((t) => t.toISOString())}::timestamptz[]) as b(bucket_start)
      cross join unnest(${scopes}::text[]) as s(scope)
      union
      select scope, network, bucket_start from sets
      union
      select scope, network, bucket_start from rollup_hour_authors
      where network <> ${ALL_NETWORKS_ROW} and scope = any(${scopes}::text[])
        and bucket_start = any(${starts.map((t) => t.toISOString())}::timestamptz[])
    )
    insert into rollup_hour_authors (scope, network, bucket_start, authors, computed_at)
    select t.scope, t.network, t.bucket_start, coalesce(sets.authors, ''::bytea), statement_timestamp()
    from targets t
    left join sets using (scope, network, bucket_start)
    on conflict (scope, network, bucket_start) do update set authors = excluded.authors,
      computed_at = excluded.computed_at
    where rollup_hour_authors.computed_at <= excluded.computed_at`.execute(db);
}

/** Recomputes one chunk of a series' buckets: their metrics and, for UTC hours, their top posts. */
async function recomputeChunk(
  db: Db,
  { grain, tz, starts }: { grain: Grain; tz: string; starts: Date[] },
  tags: string[],
): Promise<void> {
  if (starts.length === 0) return;
  const ends = starts.map((s) => nextBucketStart(s, grain, tz));
  const scopes = [...tags, ALL_SCOPE];
  // The hour's figures and its top posts change together.
  await inTransaction(db, async (trx) => {
    await writeMetrics(trx, { grain, tz, starts, ends, tags, scopes });
    if (grain === '1h' && tz === 'UTC') {
      await recomputeTopPosts(trx, { starts, ends, tags, scopes });
      await recomputeHourAuthors(trx, { starts, ends, tags, scopes });
    }
  });
}

async function inTransaction(db: Db, body: (trx: Db) => Promise<void>): Promise<void> {
  if (db.isTransaction) await body(db);
  else await db.transaction().execute(body);
}

/**
 * Writes the buckets' metrics for every scope, zeros included, so a bucket
 * whose last post was deleted goes back to zero. A row is replaced only by a
 * computation that started later, so a slow, older recompute never
 * overwrites a newer one.
 */
async function writeMetrics(
  db: Db,
  {
    grain,
    tz,
    starts,
    ends,
    tags,
    scopes,
  }: { grain: Grain; tz: string; starts: Date[]; ends: Date[]; tags: string[]; scopes: string[] },
): Promise<void> {
  const startsArray = sql`${starts.map((s) => s.toISOString())}::timestamptz[]`;
  await sql`
    with m as (${bucketMetrics({ starts, ends, tags })}),
    ${bucketModesCte({ starts, ends })},
    -- Every (scope, bucket) of all networks, zeros included; a network's only where it has posts
    -- or had some (a bucket whose last post was deleted goes back to zero), so a network without
    -- posts costs no rows: a missing network row reads as zeros.
    targets as (
      select s.scope, ${ALL_NETWORKS_ROW}::text as network, b.bucket_start
      from unnest(${startsArray}) as b(bucket_start) cross join unnest(${scopes}::text[]) as s(scope)
      union
      select scope, network, bucket_start from m
      union
      select scope, network, bucket_start from rollups
      where network <> ${ALL_NETWORKS_ROW} and grain = ${grain} and tz = ${tz}
        and scope = any(${scopes}::text[]) and bucket_start = any(${startsArray})
    )
    insert into rollups (scope, network, grain, tz, bucket_start, posts, originals, replies, quotes, reposts,
      unique_authors, potential_reach, impressions, engagements, definitions_version, computed_at)
    select t.scope, t.network, ${grain}, ${tz}, t.bucket_start, coalesce(m.posts, 0), coalesce(m.originals, 0),
      coalesce(m.replies, 0), coalesce(m.quotes, 0), coalesce(m.reposts, 0),
      coalesce(m.unique_authors, 0), coalesce(m.potential_reach, 0), coalesce(m.impressions, 0),
      coalesce(m.engagements, 0), ${versionOf(sql`v.legacy`)}, statement_timestamp()
    from targets t
    join bucket_modes v on v.bucket_start = t.bucket_start
    left join m on m.scope = t.scope and m.network = t.network and m.bucket_start = t.bucket_start
    order by t.scope, t.network, t.bucket_start
    on conflict (scope, network, grain, tz, bucket_start) do update set
      posts = excluded.posts, originals = excluded.originals, replies = excluded.replies,
      quotes = excluded.quotes, reposts = excluded.reposts, unique_authors = excluded.unique_authors,
      potential_reach = excluded.potential_reach, impressions = excluded.impressions,
      engagements = excluded.engagements, definitions_version = excluded.definitions_version,
      computed_at = excluded.computed_at
    where rollups.computed_at <= excluded.computed_at`.execute(db);
}

/**
 * A series computed from the posts, for a zone whose rows are not ready yet:
 * the same numbers the stored rows will hold, at the cost of reading the
 * range's posts.
 */
export async function computeSeries(
  db: Db,
  {
    scope,
    network = ALL_NETWORKS_ROW,
    tags,
    grain,
    tz,
    starts,
  }: { scope: string; network?: RollupNetwork; tags: string[]; grain: Grain; tz: string; starts: Date[] },
): Promise<Map<number, MetricValues>> {
  const values = new Map<number, MetricValues>();
  for (let i = 0; i < starts.length; i += CHUNK) {
    const chunk = starts.slice(i, i + CHUNK);
    const ends = chunk.map((s) => nextBucketStart(s, grain, tz));
    for (const [t, v] of await scopeMetrics(db, { scope, network, tags, starts: chunk, ends }))
      values.set(t, v);
  }
  return values;
}

/** One scope's metrics of [starts[i], ends[i]) buckets in a network (all by default), computed from the posts, by bucket start (epoch ms). */
export async function scopeMetrics(
  db: Db,
  {
    scope,
    network = ALL_NETWORKS_ROW,
    tags,
    starts,
    ends,
  }: { scope: string; network?: RollupNetwork; tags: string[]; starts: Date[]; ends: Date[] },
): Promise<Map<number, MetricValues>> {
  const { rows } = await sql<{ scope: string; network: string; bucket_start: Date } & MetricValues>`
    select * from (${bucketMetrics({ starts, ends, tags })}) m
    where m.scope = ${scope} and m.network = ${network}`.execute(db);
  return new Map(
    rows.map(({ scope: _scope, network: _network, bucket_start, ...metrics }) => [
      bucket_start.getTime(),
      metrics,
    ]),
  );
}

/** Where a (grain, zone) series is stored: 5-minute rows only in UTC; hours in UTC where aligned. */
export function storedZones(grain: Grain, tz: string): string[] {
  if (grain === '5m') return ['UTC'];
  if (grain === '1h') return tz === 'UTC' ? ['UTC'] : ['UTC', tz];
  return [tz];
}

/** True when reading (grain, tz) needs the zone registered (see the note at the top). */
export function needsZone(grain: Grain, tz: string): boolean {
  return tz !== 'UTC' && grain !== '5m';
}

/**
 * Stored values of a series for the buckets starting in [from, to), by bucket
 * start (epoch ms), in a network (all by default). A network's bucket without
 * a row had no posts there (rows are written only where a network has posts).
 */
export async function readSeries(
  db: Db,
  {
    scope,
    network = ALL_NETWORKS_ROW,
    grain,
    tz,
    from,
    to,
    metrics = STORED_METRICS,
  }: {
    scope: string;
    network?: RollupNetwork;
    grain: Grain;
    tz: string;
    from: Date;
    to: Date;
    metrics?: readonly StoredMetric[];
  },
): Promise<Map<number, Partial<MetricValues>>> {
  // Only the columns asked for: parsing 2 160 rows is most of a 90-day hourly series' cost.
  const rows = await db
    .selectFrom('rollups')
    .select(['bucket_start', ...metrics])
    .where('scope', '=', scope)
    .where('network', '=', network)
    .where('grain', '=', grain)
    .where('tz', 'in', storedZones(grain, tz))
    .where('bucket_start', '>=', bucketStart(from, grain, tz))
    .where('bucket_start', '<', to)
    .execute();
  const values = new Map<number, Partial<MetricValues>>();
  for (const { bucket_start, ...stored } of rows) {
    // In a zone whose hours are not UTC hours, a UTC row at the same instant cannot exist.
    values.set(bucket_start.getTime(), stored);
  }
  return values;
}
