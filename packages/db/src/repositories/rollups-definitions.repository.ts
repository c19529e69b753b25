import {
  DEFINITIONS_VERSION,
  type DefinitionsVersion,
  LEGACY_DEFINITIONS_VERSION,
  periodDefinitions,
  type SearchIndexMode,
} from '@tagpulse/core';
import type { Kysely, RawBuilder } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../database.js';

type Db = Kysely<Database>;

/*
 * Which metric definitions a bucket follows (core's metrics.ts): since 2026-05-04 X's search
 * returns no reposts, for posts of any date, so what decides is what search returned when
 * capture read the bucket's posts. The unit observed is the UTC day: a day whose stored posts
 * include a repost was read from an index that returns reposts (legacy: definitions 1, reposts
 * as captured); any other day follows definitions 2 (reposts from the posts' retweet_count).
 * A bucket follows 1 only when every UTC day it overlaps does, so a week across X's switch
 * counts reposts one way throughout. `X_SEARCH_INDEX` (`search_index_setting`) forces either.
 */

/** The search index mode the roll-ups assume; no row is `auto`. */
export async function searchIndexMode(db: Db): Promise<SearchIndexMode> {
  const row = await db.selectFrom('search_index_setting').select('mode').executeTakeFirst();
  return row?.mode ?? 'auto';
}

/**
 * Stores the mode (a worker's `X_SEARCH_INDEX` at start); `recomputeOutdated`
 * then brings every bucket it changes to its definitions.
 */
export async function setSearchIndexMode(db: Db, mode: SearchIndexMode): Promise<void> {
  await db
    .insertInto('search_index_setting')
    .values({ mode })
    .onConflict((oc) => oc.column('id').doUpdateSet({ mode, updated_at: sql`now()` }))
    .execute();
}

/** SQL: true when the UTC day starting at `day` counts reposts as search returned them. */
function legacyDay(day: RawBuilder<unknown>) {
  return sql<boolean>`case coalesce((select mode from search_index_setting), 'auto')
    when 'legacy' then true when '2026' then false
    else exists (select from posts r where r.kind = 'repost'
      and r.created_at >= ${day} and r.created_at < ${day} + interval '24 hours') end`;
}

/**
 * The CTE `bucket_modes (bucket_start, legacy)`: for each [starts[i], ends[i])
 * bucket, whether it follows the legacy definitions (every UTC day it overlaps
 * does).
 */
export function bucketModesCte({ starts, ends }: { starts: Date[]; ends: Date[] }) {
  return sql`
    bucket_days as (
      select b.bucket_start, d.day
      from unnest(${starts.map((s) => s.toISOString())}::timestamptz[],
        ${ends.map((e) => e.toISOString())}::timestamptz[]) as b(bucket_start, bucket_end)
      cross join lateral generate_series(date_trunc('day', b.bucket_start, 'UTC'),
        b.bucket_end - interval '1 microsecond', interval '24 hours') as d(day)
    ),
    day_modes as (
      select day, ${legacyDay(sql`day`)} as legacy from (select distinct day from bucket_days) d
    ),
    bucket_modes as (
      select bd.bucket_start, bool_and(dm.legacy) as legacy
      from bucket_days bd join day_modes dm using (day)
      group by bd.bucket_start
    )`;
}

/** SQL: the definitions version of a bucket mode's `legacy` flag. */
export function versionOf(legacy: RawBuilder<unknown>) {
  return sql<number>`case when ${legacy} then ${LEGACY_DEFINITIONS_VERSION}::int else ${DEFINITIONS_VERSION}::int end`;
}

/**
 * The 5-minute buckets (UTC) whose stored definitions are not the ones their
 * UTC day now follows: a day's first repost arrived after some of its buckets
 * were rolled up, or the mode changed. Within the UTC days of `instants`, or
 * the whole history when omitted.
 */
export async function staleDefinitionBuckets(db: Db, instants?: Date[]): Promise<Date[]> {
  const days = instants
    ? sql`(select distinct date_trunc('day', t, 'UTC') as day
        from unnest(${instants.map((t) => t.toISOString())}::timestamptz[]) as t)`
    : sql`(select distinct date_trunc('day', bucket_start, 'UTC') as day from rollups
        where scope = '*' and network = '*' and grain = '5m' and tz = 'UTC')`;
  const { rows } = await sql<{ bucket_start: Date }>`
    with days as (select day, ${legacyDay(sql`day`)} as legacy from ${days} d)
    select r.bucket_start from days
    join rollups r on r.scope = '*' and r.network = '*' and r.grain = '5m' and r.tz = 'UTC'
      and r.bucket_start >= days.day and r.bucket_start < days.day + interval '24 hours'
    where r.definitions_version <> ${versionOf(sql`days.legacy`)}`.execute(db);
  return rows.map((r) => r.bucket_start);
}

/**
 * The definitions the stored buckets of a scope's [from, to) follow, ascending
 * (hour rows: a UTC hour lies in one UTC day, so it follows what its 5-minute
 * buckets follow); the newest when nothing is stored.
 */
export async function periodDefinitionVersions(
  db: Db,
  { scope, from, to }: { scope: string; from: Date; to: Date },
): Promise<DefinitionsVersion[]> {
  const rows = await db
    .selectFrom('rollups')
    .select('definitions_version')
    .distinct()
    .where('scope', '=', scope)
    // Every bucket has an all-networks row, with the version all its networks' rows have: reading
    // only those keeps the primary key's range (without it, every row of the scope was read).
    .where('network', '=', '*')
    .where('grain', '=', '1h')
    .where('tz', '=', 'UTC')
    .where('bucket_start', '>', new Date(from.getTime() - 3_600_000))
    .where('bucket_start', '<', to)
    .execute();
  return periodDefinitions(rows.map((r) => r.definitions_version));
}
