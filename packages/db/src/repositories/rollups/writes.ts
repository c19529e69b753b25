import {
  type BucketSet,
  bucketSetsBetween,
  bucketSetsOf,
  bucketStarts,
  DEFINITIONS_VERSIONS,
  distinctBucketStarts,
  type Grain,
  nextBucketStart,
} from '@tagpulse/core';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../database.js';
import { bucketModesCte, staleDefinitionBuckets, versionOf } from '../rollups-definitions.repository.js';
import { recomputeDayAuthors } from './day-authors.js';
import { recomputeHourAuthors } from './hour-authors.js';
import { ALL_NETWORKS_ROW, ALL_SCOPE, BUCKETS_PER_STATEMENT, bucketMetrics } from './posts-in-buckets.js';
import { recomputeTopPosts } from './top-posts.js';
import { listZones } from './zones.js';

// Roll-up writes: which buckets a change touches is core's plan (rollup-plan.ts); these read the
// posts of those buckets and replace their rows, top posts and author sets.

type Db = Kysely<Database>;

/** The tracked hashtags: the scopes a recompute writes, besides {@link ALL_SCOPE}. */
async function trackedKeys(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('hashtags').select('tag_key').where('active', '=', true).execute();
  return rows.map((r) => r.tag_key);
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
  for (const set of bucketSetsOf([...touched, ...stale], zones, true)) await recompute(db, set, tags);
}

/**
 * Recomputes every bucket that holds a post of a tracked hashtag, in UTC (when
 * `utc`) and in the given zones: a zone's registration, or the whole history.
 * `parallel` chunks at once (each its own transaction, on its own connection):
 * a bulk load's roll-ups, where no other writer competes for the rows.
 */
export async function backfill(
  db: Db,
  {
    zones,
    utc,
    onChunk,
    parallel = 1,
  }: { zones: string[]; utc: boolean; onChunk?: () => Promise<void>; parallel?: number },
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
  const chunks = bucketSetsBetween(first, last, zones, utc).flatMap((set) => chunksOf(set));
  let next = 0;
  const runner = async () => {
    for (let chunk = chunks[next++]; chunk; chunk = chunks[next++]) {
      await recomputeChunk(db, chunk, tags);
      await onChunk?.();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, runner));
  if (!utc) return;
  // A day split between two chunks run at once was merged by each without the other's hours.
  const days = bucketStarts(first, last, '1d', 'UTC');
  for (let i = 0; i < days.length; i += DAYS_PER_STATEMENT)
    await rollUpTransaction(db, (trx) =>
      recomputeDayAuthors(trx, { days: days.slice(i, i + DAYS_PER_STATEMENT), scopes: [...tags, ALL_SCOPE] }),
    );
}

/** Days whose author sets one statement merges: a month of hour sets. */
const DAYS_PER_STATEMENT = 31;

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
  const sets = new Map<string, BucketSet>();
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

async function recompute(db: Db, set: BucketSet, tags: string[]): Promise<void> {
  for (const chunk of chunksOf(set)) await recomputeChunk(db, chunk, tags);
}

/** A series' buckets in ascending chunks of {@link BUCKETS_PER_STATEMENT}. */
function chunksOf(set: BucketSet): BucketSet[] {
  const starts = [...set.starts].sort((a, b) => a.getTime() - b.getTime());
  const chunks: BucketSet[] = [];
  for (let i = 0; i < starts.length; i += BUCKETS_PER_STATEMENT)
    chunks.push({ ...set, starts: starts.slice(i, i + BUCKETS_PER_STATEMENT) });
  return chunks;
}

/**
 * Recomputes one chunk of a series' buckets: their metrics and, for UTC hours, their top posts,
 * author sets and the author sets of their finished days.
 */
async function recomputeChunk(db: Db, { grain, tz, starts }: BucketSet, tags: string[]): Promise<void> {
  if (starts.length === 0) return;
  const ends = starts.map((s) => nextBucketStart(s, grain, tz));
  const scopes = [...tags, ALL_SCOPE];
  // The hour's figures and its top posts change together.
  await rollUpTransaction(db, async (trx) => {
    await writeMetrics(trx, { grain, tz, starts, ends, tags, scopes });
    if (grain === '1h' && tz === 'UTC') {
      await recomputeTopPosts(trx, { starts, ends, tags, scopes });
      await recomputeHourAuthors(trx, { starts, ends, tags, scopes });
      // A late post into a finished day changes its set; a day just over gets its set from the
      // next day's first roll-up. The current day has none: its hours change on every roll-up.
      const days = distinctBucketStarts(
        starts.flatMap((s) => [s, new Date(s.getTime() - 86_400_000)]),
        '1d',
        'UTC',
      );
      await recomputeDayAuthors(trx, { days, scopes });
    }
  });
}

/**
 * Runs `body` in a transaction (the caller's, if it is one) without JIT. The planner takes each
 * bucket to span 1 000 days (generate_series' default estimate), so a chunk's cost passed JIT's
 * thresholds: compiling took 60 % of a 2 000-bucket statement (4.9 of 7.7 s at 1 M posts), and
 * 0.7 s of a day-set look-up that runs in 3 ms, for queries that run once.
 */
async function rollUpTransaction(db: Db, body: (trx: Db) => Promise<void>): Promise<void> {
  const withoutJit = async (trx: Db) => {
    await sql`set local jit = off`.execute(trx);
    await body(trx);
  };
  if (db.isTransaction) await withoutJit(db);
  else await db.transaction().execute(withoutJit);
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
