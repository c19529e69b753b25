import {
  bucketStart,
  type Grain,
  type MetricValues,
  nextBucketStart,
  STORED_METRICS,
  type StoredMetric,
} from '@tagpulse/core';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, RollupNetwork } from '../../database.js';
import { ALL_NETWORKS_ROW, BUCKETS_PER_STATEMENT, bucketMetrics } from './posts-in-buckets.js';

type Db = Kysely<Database>;

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
  for (let i = 0; i < starts.length; i += BUCKETS_PER_STATEMENT) {
    const chunk = starts.slice(i, i + BUCKETS_PER_STATEMENT);
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
    network = ALL_NETWORKS_ROW,
    ...buckets
  }: { scope: string; network?: RollupNetwork; tags: string[]; starts: Date[]; ends: Date[] },
): Promise<Map<number, MetricValues>> {
  const [values] = await scopeNetworksMetrics(db, { ...buckets, networks: [network] });
  return values ?? new Map();
}

/**
 * {@link scopeMetrics} in each of several networks (a map per network, in their order), from
 * one statement: it computes every network's metrics of the buckets anyway.
 */
export async function scopeNetworksMetrics(
  db: Db,
  {
    scope,
    networks,
    tags,
    starts,
    ends,
  }: { scope: string; networks: RollupNetwork[]; tags: string[]; starts: Date[]; ends: Date[] },
): Promise<Map<number, MetricValues>[]> {
  const { rows } = await sql<{ scope: string; network: RollupNetwork; bucket_start: Date } & MetricValues>`
    select * from (${bucketMetrics({ starts, ends, tags })}) m
    where m.scope = ${scope} and m.network = any(${networks}::text[])`.execute(db);
  const values = networks.map(() => new Map<number, MetricValues>());
  for (const { scope: _scope, network, bucket_start, ...metrics } of rows) {
    networks.forEach((n, i) => {
      if (n === network) values[i]?.set(bucket_start.getTime(), metrics);
    });
  }
  return values;
}

/** Where a (grain, zone) series is stored: 5-minute rows only in UTC; hours in UTC where aligned. */
export function storedZones(grain: Grain, tz: string): string[] {
  if (grain === '5m') return ['UTC'];
  if (grain === '1h') return tz === 'UTC' ? ['UTC'] : ['UTC', tz];
  return [tz];
}

/** True when reading (grain, tz) needs the zone registered (see the note in ../rollups.repository.ts). */
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
  // Only the columns asked for: parsing 2 160 rows is most of a 90-day hourly series' cost. The
  // start as epoch milliseconds: node-postgres parses a timestamptz with a regular expression,
  // 0.8 of 1.6 ms of node's CPU for those rows, an int8 with Number().
  const rows = await db
    .selectFrom('rollups')
    .select([sql<number>`(extract(epoch from bucket_start) * 1000)::int8`.as('start_ms'), ...metrics])
    .where('scope', '=', scope)
    .where('network', '=', network)
    .where('grain', '=', grain)
    .where('tz', 'in', storedZones(grain, tz))
    .where('bucket_start', '>=', bucketStart(from, grain, tz))
    .where('bucket_start', '<', to)
    .execute();
  const values = new Map<number, Partial<MetricValues>>();
  for (const { start_ms, ...stored } of rows) {
    // In a zone whose hours are not UTC hours, a UTC row at the same instant cannot exist.
    values.set(start_ms, stored);
  }
  return values;
}
