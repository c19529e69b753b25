import { bucketRuns, type MetricValues } from '@tagpulse/core';
import { sql } from 'kysely';
import type { RollupNetwork } from '../../database.js';
import { bucketModesCte } from '../rollups-definitions.repository.js';

/** The scope of the series of all tracked hashtags together. */
export const ALL_SCOPE = '*';

/**
 * The roll-up network of every network together: the sum of the networks'
 * rows (no author is on two networks, so distinct counts sum too). Readers
 * default to it, so a series read without a network is all networks'.
 */
export const ALL_NETWORKS_ROW: RollupNetwork = '*';

/** Buckets per statement: bounds the statement's memory and keeps each upsert short. */
export const BUCKETS_PER_STATEMENT = 2_000;

/**
 * The CTEs `tagged` (a row per post and tracked hashtag of `tags`, with its
 * bucket and whether the bucket follows the legacy definitions) and `scoped`
 * (a row per post and scope: each hashtag, and once per post for all of them
 * together, scope {@link ALL_SCOPE}) over the [start, end) buckets. Deleted
 * posts are excluded: a deleted post leaves the volume it was counted in, as
 * X's counts do. A bucket under the newest definitions counts what X's 2026
 * search returns, so a repost stored from an earlier search is left out of it.
 */
export function scopedPostsCtes({ starts, ends, tags }: { starts: Date[]; ends: Date[]; tags: string[] }) {
  // Each post finds its bucket by binary search over the sorted starts (width_bucket), and the
  // posts are read by constant time ranges, one per run of adjacent buckets: a join on bucket
  // ranges made the planner compare every post with every bucket.
  const startsArray = sql`${starts.map((s) => s.toISOString())}::timestamptz[]`;
  const within = (column: string) =>
    sql.join(
      bucketRuns(starts, ends).map(
        (r) => sql`(${sql.ref(column)} >= ${r.lo} and ${sql.ref(column)} < ${r.hi})`,
      ),
      sql` or `,
    );
  // Each bucket's mode is read from an array, computed once (materialized), by the same index as
  // its start: a join with bucket_modes let the planner, which estimates the posts-to-links join
  // at one row, compute the buckets' modes again for every post (at 10 M posts a 2 000-bucket
  // chunk ran for over 25 minutes).
  return sql`
    ${bucketModesCte({ starts, ends })},
    modes as materialized (
      select array_agg(m.legacy order by b.i) as legacy
      from unnest(${startsArray}) with ordinality as b(bucket_start, i)
      join bucket_modes m using (bucket_start)
    ),
    tagged as (
      select t.* from (
        select (${startsArray})[k.i] as bucket_start, modes.legacy[k.i] as legacy,
          ph.tag_key, p.network, p.edit_root_id, p.created_at, p.kind, p.author_id, p.impression_count,
          case when p.kind = 'repost' then 0 else p.repost_count end as repost_count,
          case when p.kind = 'repost' then 0
            else p.like_count + p.repost_count + p.reply_count + p.quote_count + p.bookmark_count end as engagements
        from post_hashtags ph
        join posts p on p.edit_root_id = ph.post_id and p.created_at = ph.created_at
        cross join lateral (select width_bucket(ph.created_at, ${startsArray}) as i) k
        cross join modes
        where ph.tag_key = any(${tags}::text[]) and p.deleted_at is null
          and (${within('ph.created_at')}) and (${within('p.created_at')})
      ) t
      where t.legacy or t.kind <> 'repost'
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
