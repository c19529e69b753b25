import { hashtagKey, snowflakeTime } from '@tagpulse/core';
import type { Database } from '@tagpulse/db';
import type { TruthPost } from '@tagpulse/x-sim';
import { type Kysely, sql } from 'kysely';

/** x-sim's ground truth: every post with the hashtag that exists at its now (`/__sim/truth/posts`). */
export async function truthPosts(
  simUrl: string,
  hashtag: string,
  query: Record<string, string> = {},
): Promise<TruthPost[]> {
  const url = new URL('/__sim/truth/posts', simUrl);
  url.searchParams.set('hashtag', hashtag);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`x-sim truth: HTTP ${res.status}`);
  return ((await res.json()) as { data: TruthPost[] }).data;
}

export interface TruthComparison {
  /** Posts that exist (not deleted) on X but were not stored. */
  missing: string[];
  /** Stored posts X never had with this hashtag. */
  extra: string[];
  /** Stored posts whose newest version is not the one X shows. */
  staleVersions: string[];
  /** Posts stored more than once (their edit chain, their id or a hashtag link of theirs), across all hashtags. */
  duplicates: string[];
  /** How many existing posts the comparison covered. */
  compared: number;
}

/**
 * Compares what capture stored for a hashtag with x-sim's ground truth, for
 * posts whose edit chain began in [from, to). A post deleted on X may or may
 * not have been stored before it went (both are right); every other post must
 * be stored exactly once, at its newest version.
 */
export async function compareWithTruth(
  db: Kysely<Database>,
  simUrl: string,
  hashtag: string,
  from: Date,
  to: Date,
): Promise<TruthComparison> {
  const data = await truthPosts(simUrl, hashtag, { start_time: from.toISOString() });
  const inRange = data.filter((p) => {
    const root = snowflakeTime(p.edit_history_tweet_ids[0] ?? p.id);
    return root >= from.getTime() && root < to.getTime();
  });
  const truth = new Map(inRange.map((p) => [p.edit_history_tweet_ids[0] ?? p.id, p]));
  const stored = await db
    .selectFrom('post_hashtags as ph')
    .innerJoin('posts as p', (j) =>
      j.onRef('p.edit_root_id', '=', 'ph.post_id').onRef('p.created_at', '=', 'ph.created_at'),
    )
    .select(['p.edit_root_id', 'p.id'])
    .where('ph.tag_key', '=', hashtagKey(hashtag))
    // X's truth: other networks' posts of the hashtag are compared with their own simulators'.
    .where('p.network', '=', 'x')
    .where('ph.created_at', '>=', new Date(from.getTime() - 1_000))
    .where('ph.created_at', '<', to)
    .execute();
  // The same cut as the truth's, by the root's snowflake: a stored post is dated by X's created_at,
  // cut to the second, so a root created just after `to` within its second would count as extra.
  const storedByRoot = new Map(
    stored
      .filter((s) => {
        const root = snowflakeTime(s.edit_root_id);
        return root >= from.getTime() && root < to.getTime();
      })
      .map((s) => [s.edit_root_id, s.id]),
  );
  const alive = [...truth.values()].filter((p) => !p.deleted_at);
  const { rows } = await sql<{ root: string }>`
    select edit_root_id as root from posts group by edit_root_id having count(*) > 1
    union all select id from posts group by id having count(*) > 1
    union all select post_id from post_hashtags group by post_id, tag_key having count(*) > 1`.execute(db);
  return {
    missing: alive.map((p) => p.edit_history_tweet_ids[0] ?? p.id).filter((root) => !storedByRoot.has(root)),
    extra: [...storedByRoot.keys()].filter((root) => !truth.has(root)),
    staleVersions: alive
      .filter((p) => {
        const storedId = storedByRoot.get(p.edit_history_tweet_ids[0] ?? p.id);
        return storedId !== undefined && storedId !== p.id;
      })
      .map((p) => p.id),
    duplicates: rows.map((r) => r.root),
    compared: alive.length,
  };
}

/**
 * When a post's edit chain became searchable: its first version's creation
 * plus the post's search delay (x-sim gives every version of a post the same
 * delay; ids are snowflakes of their creation).
 */
export function chainSearchableAt(
  p: Pick<TruthPost, 'id' | 'edit_history_tweet_ids' | 'searchable_at'>,
): number {
  const delay = Date.parse(p.searchable_at) - snowflakeTime(p.id);
  return snowflakeTime(p.edit_history_tweet_ids[0] ?? p.id) + delay;
}

export interface CaptureFreshness {
  /** Per stored post: seconds (X time) from when search could return it to when a poll stored it. */
  seconds: number[];
  /** Posts (edit chains) that exist on X and were never stored. */
  lost: string[];
  /** Posts search could return whose chain began in the span, deleted ones included. */
  searchable: number;
}

/**
 * How fresh capture was for the hashtags' posts whose chain began in [from, to),
 * against x-sim's ground truth: stored-at (`first_seen_at`, the poll's X time)
 * minus searchable-at, and the posts never stored. A post with two of the
 * hashtags counts once.
 */
export async function captureFreshness(
  db: Kysely<Database>,
  simUrl: string,
  hashtags: string[],
  from: Date,
  to: Date,
): Promise<CaptureFreshness> {
  const truth = new Map<string, TruthPost>();
  for (const hashtag of hashtags) {
    // Edits come within 30 minutes of their chain's first version.
    const data = await truthPosts(simUrl, hashtag, {
      start_time: new Date(from.getTime() - 31 * 60_000).toISOString(),
    });
    for (const p of data) {
      const root = p.edit_history_tweet_ids[0] ?? p.id;
      const began = snowflakeTime(root);
      if (began >= from.getTime() && began < to.getTime()) truth.set(root, p);
    }
  }
  const roots = [...truth.keys()];
  const stored =
    roots.length === 0
      ? []
      : await db
          .selectFrom('posts')
          .select(['edit_root_id', 'first_seen_at'])
          .where('edit_root_id', 'in', roots)
          .execute();
  const seenAt = new Map(stored.map((s) => [s.edit_root_id, s.first_seen_at.getTime()]));
  const seconds: number[] = [];
  const lost: string[] = [];
  for (const [root, p] of truth) {
    const at = seenAt.get(root);
    if (at !== undefined) seconds.push((at - chainSearchableAt(p)) / 1_000);
    else if (!p.deleted_at) lost.push(root);
  }
  return { seconds, lost, searchable: truth.size };
}
