import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../database.js';
import { scopedPostsCtes } from './posts-in-buckets.js';

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
      select s.scope, s.bucket_start, s.edit_root_id, s.created_at, r.ranking, r.value,
        row_number() over (partition by s.scope, s.bucket_start, r.ranking
          order by r.value desc, s.created_at desc, s.edit_root_id) as rank
      from scoped s
      left join authors a on a.id = s.author_id
      cross join lateral (values ('engagements', s.engagements), ('impressions', s.impression_count),
        ('followers', coalesce(a.followers_count, 0))) as r(ranking, value)
    )
    insert into rollup_top_posts (scope, ranking, bucket_start, post_id, created_at, value)
    select scope, ranking, bucket_start, edit_root_id, created_at, value
    from ranked where rank <= ${TOP_POSTS_PER_HOUR}
    -- Two rows of one edit chain in an hour (stored before the x-client dated edits by the
    -- root's second) must not stop every roll-up: the chain keeps one place.
    on conflict (scope, ranking, bucket_start, post_id) do nothing`.execute(db);
}
