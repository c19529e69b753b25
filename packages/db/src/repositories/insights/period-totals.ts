import {
  encodeAuthorSet,
  hoursMissing,
  type MetricValues,
  STORED_METRICS,
  unionAuthorSets,
  wholeBuckets,
} from '@tagpulse/core';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, RollupNetwork } from '../../database.js';
import { scopeNetworksMetrics } from '../rollups/reads.js';
import { ALL_NETWORKS_ROW, hoursStamp } from '../rollups.repository.js';
import { networkOf, type ScopeRange } from './scope-range.js';

type Db = Kysely<Database>;

/**
 * Totals of every metric over [from, to): the additive ones as {@link periodsSums} gives them; the
 * distinct ones (unique authors, potential reach) are counted over the whole period from the
 * hour author sets and the hashtags' index, never summed across buckets.
 */
export async function periodTotals(db: Db, range: ScopeRange): Promise<MetricValues> {
  const [totals] = await periodsTotals(db, range, [range]);
  return totals;
}

type Totals<T extends readonly Period[], V> = { -readonly [K in keyof T]: V };

/**
 * {@link periodTotals} of several periods of one scope (a summary's period and the one before),
 * their slivers' authors read by one statement: each author's number and followers looked up once.
 */
export async function periodsTotals<const T extends readonly Period[]>(
  db: Db,
  scope: Omit<ScopeRange, 'from' | 'to'>,
  periods: T,
): Promise<Totals<T, MetricValues>> {
  return (await periodsFigures(db, scope, periods)).totals;
}

/**
 * {@link periodsTotals}, and with `sumsIn` the additive totals of the same periods in another
 * network too (a ratio of sums such as the engagement rate needs no distinct counts), every
 * period's and network's sums read by the same two statements.
 */
export async function periodsFigures<const T extends readonly Period[]>(
  db: Db,
  scope: Omit<ScopeRange, 'from' | 'to'>,
  periods: T,
  { sumsIn }: { sumsIn?: RollupNetwork } = {},
): Promise<{ totals: Totals<T, MetricValues>; sums: Totals<T, AdditiveTotals> | undefined }> {
  const network = networkOf(scope);
  const networks = sumsIn === undefined || sumsIn === network ? [network] : [network, sumsIn];
  const other = sumsIn === undefined ? -1 : networks.indexOf(sumsIn);
  const [sums, distinct] = await Promise.all([
    periodsSums(db, scope, networks, [...periods]),
    distinctAuthors(db, scope, [...periods]),
  ]);
  return {
    totals: periods.map((_, i) => ({
      ...(sums[i]?.[0] as AdditiveTotals),
      ...(distinct[i] as DistinctTotals),
    })) as Totals<T, MetricValues>,
    sums: other < 0 ? undefined : (sums.map((s) => s[other] as AdditiveTotals) as Totals<T, AdditiveTotals>),
  };
}

interface Period {
  from: Date;
  to: Date;
}

/**
 * Totals of the additive metrics of each period in each network (`[period][network]`): the sums
 * of the stored roll-ups of its whole 5-minute buckets plus the posts of the slivers at either end
 * that no whole bucket covers, so a summary equals the series it sums. One statement sums the stored buckets of
 * every period and network, one computes every sliver's (a summary's two periods in two networks
 * took eight statements, each planned and run on its own).
 */
async function periodsSums(
  db: Db,
  scope: Omit<ScopeRange, 'from' | 'to' | 'network'>,
  networks: RollupNetwork[],
  periods: Period[],
): Promise<AdditiveTotals[][]> {
  const plans = periods.map((p) => wholeBuckets(p.from, p.to, '5m'));
  const slivers = plans
    .flatMap((p, period) => p.slivers.map((r) => ({ ...r, period })))
    .sort((a, b) => a.from.getTime() - b.from.getTime());
  // A sliver is a bucket of the statement below: buckets may not overlap (periods may).
  const disjoint = slivers.every((r, i) => i === 0 || (slivers[i - 1] as Period).to <= r.from);
  const sliverGroups = disjoint ? [slivers] : slivers.map((r) => [r]);
  const [stored, ...edges] = await Promise.all([
    storedSums(db, scope.scope, networks, plans),
    ...sliverGroups.map((group) =>
      group.length === 0
        ? []
        : scopeNetworksMetrics(db, {
            scope: scope.scope,
            networks,
            tags: scope.tags,
            starts: group.map((r) => r.from),
            ends: group.map((r) => r.to),
          }),
    ),
  ]);
  const totals = stored.map((byNetwork) => byNetwork.map((sums) => ({ ...sums })));
  sliverGroups.forEach((group, g) => {
    for (const { from, period } of group) {
      networks.forEach((_, n) => {
        const edge = edges[g]?.[n]?.get(from.getTime());
        const sum = totals[period]?.[n];
        if (!edge || !sum) return;
        for (const metric of ADDITIVE_METRICS) sum[metric] += edge[metric];
      });
    }
  });
  return totals;
}

type DistinctMetric = 'unique_authors' | 'potential_reach';
const ADDITIVE_METRICS = STORED_METRICS.filter(
  (m): m is Exclude<(typeof STORED_METRICS)[number], DistinctMetric> =>
    m !== 'unique_authors' && m !== 'potential_reach',
);
export type AdditiveTotals = Omit<MetricValues, DistinctMetric>;

/**
 * The sums of the stored roll-ups of each plan's whole 5-minute buckets, per network
 * (`[plan][network]`): the whole UTC hours' rows among them, and 5-minute rows only at either
 * end (an hour row sums its twelve 5-minute rows: a week reads 2 016 rows otherwise).
 */
async function storedSums(
  db: Db,
  scope: string,
  networks: RollupNetwork[],
  plans: { whole: Period | undefined }[],
): Promise<AdditiveTotals[][]> {
  const zero = () => Object.fromEntries(ADDITIVE_METRICS.map((m) => [m, 0])) as AdditiveTotals;
  const totals = plans.map(() => networks.map(zero));
  const ranges = plans.flatMap(({ whole }, plan) => {
    if (!whole) return [];
    const hours = wholeBuckets(whole.from, whole.to, '1h');
    if (!hours.whole) return [{ ...whole, plan, grain: '5m' }];
    return [
      { ...hours.whole, plan, grain: '1h' },
      ...hours.slivers.map((r) => ({ ...r, plan, grain: '5m' })),
    ];
  });
  if (ranges.length === 0) return totals;
  // A sum per range and network (lateral): a join of them all made the planner scan the table.
  const { rows } = await sql<{ plan: number; network: RollupNetwork } & AdditiveTotals>`
    select w.plan, n.network, s.*
    from unnest(${ranges.map((r) => r.plan)}::int[], ${ranges.map((r) => r.grain)}::text[],
      ${ranges.map((r) => r.from.toISOString())}::timestamptz[], ${ranges.map((r) => r.to.toISOString())}::timestamptz[])
      as w(plan, grain, lo, hi)
    cross join unnest(${networks}::text[]) as n(network)
    cross join lateral (
      select ${sql.join(ADDITIVE_METRICS.map((m) => sql`coalesce(sum(r.${sql.ref(m)}), 0) as ${sql.ref(m)}`))}
      from rollups r
      where r.scope = ${scope} and r.network = n.network and r.grain = w.grain and r.tz = 'UTC'
        and r.bucket_start >= w.lo and r.bucket_start < w.hi
    ) s`.execute(db);
  for (const { plan, network, ...sums } of rows) {
    networks.forEach((n, i) => {
      const sum = totals[plan]?.[i];
      if (n !== network || !sum) return;
      for (const metric of ADDITIVE_METRICS) sum[metric] += sums[metric];
    });
  }
  return totals;
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
