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
import { ALL_NETWORKS_ROW, scopeMetrics } from '../rollups.repository.js';
import { networkOf, type ScopeRange } from './scope-range.js';

type Db = Kysely<Database>;

/**
 * Totals of every metric over [from, to): the additive ones as {@link periodSums} gives them; the
 * distinct ones (unique authors, potential reach) are counted over the whole period from the
 * hour author sets and the hashtags' index, never summed across buckets.
 */
export async function periodTotals(db: Db, range: ScopeRange): Promise<MetricValues> {
  const [sums, distinct] = await Promise.all([periodSums(db, range), distinctAuthors(db, range)]);
  return { ...sums, ...distinct };
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
 * Distinct authors of the scope's live posts in [from, to), and their followers
 * summed once each: the union of the stored author sets of the whole UTC hours
 * in the period and the authors of the rest read from the posts (the slivers
 * at either end, and any hour without a set: no post of any tracked hashtag
 * when it was rolled up, or history not recomputed yet), exact. Each author's
 * followers are the newest observed (the posts' are current, an hour's as of
 * its roll-up).
 */
async function distinctAuthors(db: Db, range: ScopeRange): Promise<DistinctTotals> {
  const { whole, slivers } = wholeBuckets(range.from, range.to, '1h');
  const [hours, edges] = await Promise.all([
    whole ? hourSets(db, range.scope, networkOf(range), whole) : { starts: [], authors: [] },
    authorsOfRanges(db, range, slivers),
  ]);
  const missing = whole ? hoursMissing(whole, hours.starts) : [];
  const read = [...edges, ...(await authorsOfRanges(db, range, missing))];
  const numbered = read.flatMap(({ no, followers }) => (no === null ? [] : [{ no, followers }]));
  const union = unionAuthorSets([encodeAuthorSet(numbered), ...hours.authors]);
  // Authors without a number are in no stored set yet; the ranges read are disjoint, and an
  // author read twice without a number is one author.
  const unnumbered = new Map(read.flatMap(({ id, no, followers }) => (no === null ? [[id, followers]] : [])));
  for (const followers of unnumbered.values()) {
    union.unique_authors += 1;
    union.potential_reach += followers;
  }
  return union;
}

/**
 * The author sets of the scope's UTC hours in [from, to) in a network, newest
 * first, and the hours that had one. An hour is computed when its all-networks
 * set is stored; a network without a set of its own there had no authors in
 * it. A row per hour: one value aggregated from them all took node-postgres
 * three times as long to receive (28 against 10 ms for a week at 1 M posts).
 */
async function hourSets(
  db: Db,
  scope: string,
  network: RollupNetwork,
  { from, to }: { from: Date; to: Date },
): Promise<{ starts: Date[]; authors: Uint8Array[] }> {
  const { rows } = await sql<{ bucket_start: Date; computed: boolean; authors: Buffer | null }>`
    select bucket_start, network = ${ALL_NETWORKS_ROW} as computed,
      case when network = ${network} then authors end as authors
    from rollup_hour_authors
    where scope = ${scope} and network in (${ALL_NETWORKS_ROW}, ${network})
      and bucket_start >= ${from} and bucket_start < ${to}
    order by bucket_start desc`.execute(db);
  return {
    starts: rows.flatMap((r) => (r.computed ? [r.bucket_start] : [])),
    authors: rows.flatMap((r) => (r.authors ? [r.authors] : [])),
  };
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
