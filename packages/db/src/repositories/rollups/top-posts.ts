import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../database.js';
import { ALL_NETWORKS_ROW, scopedPostsCtes } from './posts-in-buckets.js';

type Db = Kysely<Database>;

/** How many of each hour's top posts are kept per ranking and scope: the top-posts route's largest limit. */
export const TOP_POSTS_PER_HOUR = 100;

/**
 * Replaces the top posts of the given UTC hours, per ranking and scope. A
 * ranking orders by its value, then newest first, then by id: the order of the
 * top-posts query, so a period's top k are always among its hours' top k.
 */
export async function recomputeTopPosts(
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
