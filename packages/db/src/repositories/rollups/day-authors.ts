import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../database.js';
import { ALL_NETWORKS_ROW } from './posts-in-buckets.js';

type Db = Kysely<Database>;

/**
 * The version of a group of hour sets: their computed_at summed, in microseconds since the epoch.
 * A recomputed hour's computed_at only grows, so any change to the group's hours changes it (with
 * their count); see `rollup_day_authors` in migration 0024. Writers and readers must agree on it.
 */
export function hoursStamp(computedAt: string) {
  return sql`sum((extract(epoch from ${sql.ref(computedAt)}) * 1000000)::bigint)`;
}

/**
 * Merges the author sets of the finished UTC days among `days` (their starts) from their hour sets,
 * per scope and network: an author once, with the followers of the newest hour holding them, so
 * a day answers as the union of its hours does. Only days whose all-networks hours changed since
 * their set was merged (or that have none) are written: a look-up for the others. Days not over
 * yet are left out: their hours still change on every roll-up.
 */
export async function recomputeDayAuthors(
  db: Db,
  { days, scopes }: { days: Date[]; scopes: string[] },
): Promise<void> {
  if (days.length === 0) return;
  await sql`
    with days as (
      select d.day_start from unnest(${days.map((d) => d.toISOString())}::timestamptz[]) as d(day_start)
      where d.day_start + interval '24 hours' <= statement_timestamp()
    ),
    stamps as (
      select h.scope, d.day_start, count(*)::int as hours, ${hoursStamp('h.computed_at')} as hours_stamp
      from days d
      join rollup_hour_authors h on h.bucket_start >= d.day_start and h.bucket_start < d.day_start + interval '24 hours'
      where h.network = ${ALL_NETWORKS_ROW} and h.scope = any(${scopes}::text[])
      group by h.scope, d.day_start
    ),
    stale as (
      select s.* from stamps s
      left join rollup_day_authors r
        on r.scope = s.scope and r.network = ${ALL_NETWORKS_ROW} and r.day_start = s.day_start
      where r.hours is distinct from s.hours or r.hours_stamp is distinct from s.hours_stamp
    ),
    -- Detoasted once (the concatenation makes a plain value): each substring below would
    -- otherwise decompress the whole set again.
    hour_sets as materialized (
      select h.scope, h.network, s.day_start, h.bucket_start, h.authors || ''::bytea as authors
      from stale s
      join rollup_hour_authors h on h.scope = s.scope
        and h.bucket_start >= s.day_start and h.bucket_start < s.day_start + interval '24 hours'
    ),
    -- A pair's first four bytes are the big-endian author number: bytes order as numbers do.
    pairs as (
      select distinct on (h.scope, h.network, h.day_start, substring(h.authors from i * 8 + 1 for 4))
        h.scope, h.network, h.day_start, substring(h.authors from i * 8 + 1 for 8) as pair
      from hour_sets h, generate_series(0, length(h.authors) / 8 - 1) as i
      order by h.scope, h.network, h.day_start, substring(h.authors from i * 8 + 1 for 4), h.bucket_start desc
    ),
    sets as (
      select scope, network, day_start, string_agg(pair, ''::bytea order by pair) as authors
      from pairs group by scope, network, day_start
    ),
    -- All networks' row for every stale day, empty or not; a network's where it has authors or
    -- had some, as with the hours.
    targets as (
      select scope, ${ALL_NETWORKS_ROW}::text as network, day_start from stale
      union
      select scope, network, day_start from sets
      union
      select r.scope, r.network, r.day_start from rollup_day_authors r
      join stale s on s.scope = r.scope and s.day_start = r.day_start
      where r.network <> ${ALL_NETWORKS_ROW}
    )
    insert into rollup_day_authors (scope, network, day_start, authors, hours, hours_stamp, computed_at)
    select t.scope, t.network, t.day_start, coalesce(sets.authors, ''::bytea), s.hours, s.hours_stamp,
      statement_timestamp()
    from targets t
    join stale s on s.scope = t.scope and s.day_start = t.day_start
    left join sets on sets.scope = t.scope and sets.network = t.network and sets.day_start = t.day_start
    on conflict (scope, network, day_start) do update set authors = excluded.authors, hours = excluded.hours,
      hours_stamp = excluded.hours_stamp, computed_at = excluded.computed_at
    where rollup_day_authors.computed_at <= excluded.computed_at`.execute(db);
}
