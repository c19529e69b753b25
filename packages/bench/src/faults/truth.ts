import { hashtagKey } from '@tagpulse/core';
import type { Database } from '@tagpulse/db';
import type { TruthPost } from '@tagpulse/x-sim';
import { type Kysely, sql } from 'kysely';

export interface PostCount {
  /** Posts X has with the hashtag, created before the cut-off. */
  expected: number;
  /** Of those, how many are stored. */
  stored: number;
  /** Existing on X, not stored (or stored at an older version). */
  lost: number;
  /** Extra rows for one post: its edit chain or id stored more than once. */
  duplicated: number;
  /** Stored posts X never had with this hashtag. */
  extra: number;
}

/** x-sim's ground truth: every post with the hashtag that exists at its now. */
export async function truthPosts(simUrl: string, hashtag: string): Promise<TruthPost[]> {
  const url = new URL('/__sim/truth/posts', simUrl);
  url.searchParams.set('hashtag', hashtag);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`x-sim truth: HTTP ${res.status}`);
  return ((await res.json()) as { data: TruthPost[] }).data;
}

/**
 * Stored posts of a hashtag against x-sim's ground truth, for posts created
 * before `cutoff`: each must be stored once, at its newest version. A post
 * deleted on X may or may not have been stored before it went; both are right.
 */
export async function comparePosts(
  db: Kysely<Database>,
  simUrl: string,
  hashtag: string,
  cutoff: Date,
): Promise<PostCount> {
  const truth = (await truthPosts(simUrl, hashtag)).filter(
    (p) => Date.parse(p.created_at) < cutoff.getTime(),
  );
  const root = (p: TruthPost) => p.edit_history_tweet_ids[0] ?? p.id;
  const alive = truth.filter((p) => !p.deleted_at);
  const known = new Set(truth.map(root));
  const stored = await db
    .selectFrom('post_hashtags as ph')
    .innerJoin('posts as p', (j) =>
      j.onRef('p.edit_root_id', '=', 'ph.post_id').onRef('p.created_at', '=', 'ph.created_at'),
    )
    .select(['p.edit_root_id', 'p.id'])
    .where('ph.tag_key', '=', hashtagKey(hashtag))
    .where('ph.created_at', '<', cutoff)
    .execute();
  const storedByRoot = new Map(stored.map((s) => [s.edit_root_id, s.id]));
  // Over the whole table: a second row of a post anywhere is a duplicate, whatever its hashtag.
  const { rows } = await sql<{ extra: number }>`
    select coalesce(sum(n - 1), 0)::int as extra from (
      select count(*) as n from posts group by edit_root_id having count(*) > 1
      union all select count(*) from posts group by id having count(*) > 1
      union all select count(*) from post_hashtags group by post_id, tag_key having count(*) > 1) d`.execute(
    db,
  );
  return {
    expected: alive.length,
    stored: alive.filter((p) => storedByRoot.get(root(p)) === p.id).length,
    lost: alive.filter((p) => storedByRoot.get(root(p)) !== p.id).length,
    duplicated: rows[0]?.extra ?? 0,
    extra: [...storedByRoot.keys()].filter((r) => !known.has(r)).length,
  };
}
