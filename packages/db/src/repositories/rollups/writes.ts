import {
  type BucketSet,
  bucketSetsBetween,
  bucketSetsOf,
  DEFINITIONS_VERSIONS,
  type Grain,
  nextBucketStart,
} from '@tagpulse/core';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../database.js';
import { bucketModesCte, staleDefinitionBuckets, versionOf } from '../rollups-definitions.repository.js';
import { recomputeHourAuthors } from './hour-authors.js';
import { ALL_SCOPE, BUCKETS_PER_STATEMENT, bucketMetrics } from './posts-in-buckets.js';
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
  for (const set of bucketSetsBetween(first, last, zones, utc)) await recompute(db, set, tags, onChunk);
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

async function recompute(
  db: Db,
  set: BucketSet,
  tags: string[],
  onChunk?: () => Promise<void>,
): Promise<void> {
  const starts = [...set.starts].sort((a, b) => a.getTime() - b.getTime());
  for (let i = 0; i < starts.length; i += BUCKETS_PER_STATEMENT) {
    await recomputeChunk(db, { ...set, starts: starts.slice(i, i + BUCKETS_PER_STATEMENT) }, tags);
    await onChunk?.();
  }
}

/** Recomputes one chunk of a series' buckets: their metrics and, for UTC hours, their top posts. */
async function recomputeChunk(db: Db, { grain, tz, starts }: BucketSet, tags: string[]): Promise<void> {
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
  await sql`
    with m as (${bucketMetrics({ starts, ends, tags })}),
    ${bucketModesCte({ starts, ends })}
    insert into rollups (scope, grain, tz, bucket_start, posts, originals, replies, quotes, reposts,
      unique_authors, potential_reach, impressions, engagements, definitions_version, computed_at)
    select s.scope, ${grain}, ${tz}, b.bucket_start, coalesce(m.posts, 0), coalesce(m.originals, 0),
      coalesce(m.replies, 0), coalesce(m.quotes, 0), coalesce(m.reposts, 0),
      coalesce(m.unique_authors, 0), coalesce(m.potential_reach, 0), coalesce(m.impressions, 0),
      coalesce(m.engagements, 0), ${versionOf(sql`v.legacy`)}, statement_timestamp()
    from unnest(${starts.map((s) => s.toISOString())}::timestamptz[]) as b(bucket_start)
    join bucket_modes v on v.bucket_start = b.bucket_start
    cross join unnest(${scopes}::text[]) as s(scope)
    left join m on m.scope = s.scope and m.bucket_start = b.bucket_start
    order by s.scope, b.bucket_start
    on conflict (scope, grain, tz, bucket_start) do update set
      posts = excluded.posts, originals = excluded.originals, replies = excluded.replies,
      quotes = excluded.quotes, reposts = excluded.reposts, unique_authors = excluded.unique_authors,
      potential_reach = excluded.potential_reach, impressions = excluded.impressions,
      engagements = excluded.engagements, definitions_version = excluded.definitions_version,
      computed_at = excluded.computed_at
    where rollups.computed_at <= excluded.computed_at`.execute(db);
}
