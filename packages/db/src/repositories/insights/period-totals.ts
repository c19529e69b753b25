import {
  encodeAuthorSet,
  hoursMissing,
  type MetricValues,
  STORED_METRICS,
  unionAuthorSets,
  wholeBuckets,
  ZERO_METRICS,
} from '@tagpulse/core';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, RollupNetwork } from '../../database.js';
import { ALL_NETWORKS_ROW, hoursStamp, scopeMetrics } from '../rollups.repository.js';
import { networkOf, type ScopeRange } from './scope-range.js';

type Db = Kysely<Database>;

/**
 * Totals of every metric over [from, to): the additive ones as {@link periodSums} gives them; the
 * distinct ones (unique authors, potential reach) are counted over the whole period from the
 * hour author sets and the hashtags' index, never summed across buckets.
 */
export async function periodTotals(db: Db, range: ScopeRange): Promise<MetricValues> {
  const [totals] = await periodsTotals(db, range, [range]);
  return totals;
}

/**
 * {@link periodTotals} of several periods of one scope (a summary's period and the one before),
 * their slivers' authors read by one statement: each author's number and followers looked up once.
 */
export async function periodsTotals<const T extends readonly Period[]>(
  db: Db,
  scope: Omit<ScopeRange, 'from' | 'to'>,
  periods: T,
): Promise<{ -readonly [K in keyof T]: MetricValues }> {
  const [sums, distinct] = await Promise.all([
    Promise.all(periods.map((p) => periodSums(db, { ...scope, ...p }))),
    distinctAuthors(db, scope, [...periods]),
  ]);
  return periods.map((_, i) => ({ ...(sums[i] as AdditiveTotals), ...(distinct[i] as DistinctTotals) })) as {
    -readonly [K in keyof T]: MetricValues;
  };
}

interface Period {
  from: Date;
  to: Date;
}

/**
 * Totals of the additive metrics over [from, to): the sums of the stored 5-minute roll-ups plus
 * the posts of the slivers at either end that no whole bucket covers, so a summary equals the
 * series it sums. Cheap beside the distinct counts: what a ratio of sums (the engagement rate) needs.
 */
export async function periodSums(db: Db, range: ScopeRange): Promise<AdditiveTotals> {
  const { scope, tags, from, to } = range;
  const network = networkOf(range);
  const { whole, slivers } = wholeBuckets(from, to, '5m');
  const [stored, edges] = await Promise.all([
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
  ]);
  const totals: AdditiveTotals = { ...stored };
  for (const edge of edges.values()) {
    for (const metric of ADDITIVE_METRICS) totals[metric] += edge[metric];
  }
  return totals;
}

type DistinctMetric = 'unique_authors' | 'potential_reach';
const ADDITIVE_METRICS = STORED_METRICS.filter(
  (m): m is Exclude<(typeof STORED_METRICS)[number], DistinctMetric> =>
    m !== 'unique_authors' && m !== 'potential_reach',
);
export type AdditiveTotals = Omit<MetricValues, DistinctMetric>;

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

type DistinctTotals = Pick<MetricValues, DistinctMetric>;

/**
 * Distinct authors of the scope's live posts in each period, and their followers
 * summed once each: the union of the stored author sets of the whole UTC days and
 * hours in the period and the authors of the rest read from the posts (the slivers
 * at either end, and any hour without a set: no post of any tracked hashtag
 * when it was rolled up, or history not recomputed yet), exact. Each author's
 * followers are the newest observed (the posts' are current, an hour's as of
 * its roll-up).
 */
async function distinctAuthors(
  db: Db,
  scope: Omit<ScopeRange, 'from' | 'to'>,
  periods: Period[],
): Promise<DistinctTotals[]> {
  const network = networkOf(scope);
  const plans = periods.map((p) => wholeBuckets(p.from, p.to, '1h'));
  const [hours, edges] = await Promise.all([
    Promise.all(
      plans.map(({ whole }) =>
        whole ? storedSets(db, scope.scope, network, whole) : { starts: [], authors: [] },
      ),
    ),
    authorsOfRanges(
      db,
      scope,
      plans.map((p) => p.slivers),
    ),
  ]);
  const missing = plans.map(({ whole }, i) => (whole ? hoursMissing(whole, hours[i]?.starts ?? []) : []));
  const unset = missing.some((m) => m.length > 0)
    ? await authorsOfRanges(db, scope, missing)
    : missing.map(() => []);
  return plans.map((_, i) => {
    const read = [...(edges[i] ?? []), ...(unset[i] ?? [])];
    const numbered = read.flatMap(({ no, followers }) => (no === null ? [] : [{ no, followers }]));
    const union = unionAuthorSets([encodeAuthorSet(numbered), ...(hours[i]?.authors ?? [])]);
    // Authors without a number are in no stored set yet; the ranges read are disjoint, and an
    // author read twice without a number is one author.
    const unnumbered = new Map(
      read.flatMap(({ id, no, followers }) => (no === null ? [[id, followers]] : [])),
    );
    for (const followers of unnumbered.values()) {
      union.unique_authors += 1;
      union.potential_reach += followers;
    }
    return union;
  });
}

/**
 * The author sets of the scope's UTC hours in [from, to) in a network, newest first, and the
 * hours that had one. An hour is computed when its all-networks set is stored; a network without
 * a set of its own there had no authors in it. A whole UTC day inside [from, to) is read as its
 * day set instead of its hours' (one set, each author once) while that set was merged from the
 * hours stored now (same count and stamp, see migration 0024); otherwise as its hours. A row per
 * set: one value aggregated from them all took node-postgres three times as long to receive (28
 * against 10 ms for a week at 1 M posts).
 */
async function storedSets(
  db: Db,
  scope: string,
  network: RollupNetwork,
  { from, to }: { from: Date; to: Date },
): Promise<{ starts: Date[]; authors: Uint8Array[] }> {
  const day = (column: string) => sql`date_bin('1 day', ${sql.ref(column)}, timestamptz 'epoch')`;
  const { rows } = await sql<{ bucket_start: Date; computed: boolean; authors: Buffer | null }>`
    with days as (
      select d.day_start from rollup_day_authors d
      join (
        select ${day('bucket_start')} as day_start, count(*)::int as hours, ${hoursStamp('computed_at')} as stamp
        from rollup_hour_authors
        where scope = ${scope} and network = ${ALL_NETWORKS_ROW} and bucket_start >= ${from} and bucket_start < ${to}
        group by 1
      ) h on h.day_start = d.day_start and h.hours = d.hours and h.stamp = d.hours_stamp
      where d.scope = ${scope} and d.network = ${ALL_NETWORKS_ROW}
        and d.day_start >= ${from} and d.day_start + interval '24 hours' <= ${to}
    )
    select bucket_start, network = ${ALL_NETWORKS_ROW} as computed,
      case when network = ${network} and ${day('bucket_start')} not in (select day_start from days)
        then authors end as authors
    from rollup_hour_authors
    where scope = ${scope} and network in (${ALL_NETWORKS_ROW}, ${network})
      and bucket_start >= ${from} and bucket_start < ${to}
    union all
    select day_start, false, authors from rollup_day_authors
    where scope = ${scope} and network = ${network} and day_start in (select day_start from days)
    order by bucket_start desc`.execute(db);
  return {
    starts: rows.flatMap((r) => (r.computed ? [r.bucket_start] : [])),
    authors: rows.flatMap((r) => (r.authors ? [r.authors] : [])),
  };
}

type RangeAuthor = { id: string; no: number | null; followers: number };

/**
 * The distinct authors of the scope's live posts in each group of ranges, with their numbers (if
 * any) and current followers: one statement for every group, each author looked up once.
 */
async function authorsOfRanges(
  db: Db,
  scope: Omit<ScopeRange, 'from' | 'to'>,
  groups: Period[][],
): Promise<RangeAuthor[][]> {
  const ranges = groups.flatMap((ranges, group) => ranges.map((r) => ({ ...r, group })));
  const found: RangeAuthor[][] = groups.map(() => []);
  if (ranges.length === 0) return found;
  const { rows } = await sql<RangeAuthor & { grp: number }>`
    with r as (
      select * from unnest(${ranges.map((r) => r.group)}::int[],
        ${ranges.map((r) => r.from.toISOString())}::timestamptz[],
        ${ranges.map((r) => r.to.toISOString())}::timestamptz[]) as r(grp, lo, hi)
    ),
    x as (${liveAuthorIds(scope.tags, networkOf(scope), ranges)}),
    a as (
      select d.author_id, n.author_no as no, coalesce(a.followers_count, 0)::int as followers
      from (select distinct author_id from x) d
      left join author_numbers n on n.author_id = d.author_id
      left join authors a on a.id = d.author_id
    )
    select x.grp, a.author_id as id, a.no, a.followers from x join a using (author_id)`.execute(db);
  for (const { grp, ...author } of rows) found[grp]?.push(author);
  return found;
}

/**
 * The distinct (range group, author) of the tags' live posts in the ranges of the CTE `r`: an
 * index-only scan of (tag, time) → (author, post); deleted posts are few, and anti-joined.
 */
function liveAuthorIds(tags: string[], network: RollupNetwork, ranges: Period[]) {
  const within = (column: string) =>
    sql.join(
      ranges.map((r) => sql`(${sql.ref(column)} >= ${r.from} and ${sql.ref(column)} < ${r.to})`),
      sql` or `,
    );
  return sql`
    select distinct r.grp, ph.author_id from post_hashtags ph
    join r on ph.created_at >= r.lo and ph.created_at < r.hi
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
