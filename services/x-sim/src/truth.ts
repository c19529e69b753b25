import { hashtagKey, type PostKind } from '@tagpulse/core';
import { type Bucket, bucketIndex, bucketsFor, type Granularity } from './api/buckets.js';
import { isCurrent, isDeleted, publicMetrics, searchableAt } from './world/post.js';
import { versionsDescending } from './world/scan.js';
import { indexesOf, inIndex, type SearchIndex } from './world/search-index.js';
import type { World } from './world/world.js';

/** One post as it stands at the sim's now: what a perfect capture would hold about it. */
export interface TruthPost {
  /** The current version's id (the latest edit that exists by now). */
  id: string;
  edit_history_tweet_ids: string[];
  /** The current version's created_at; the first version's is `snowflakeTime(edit_history_tweet_ids[0])`. */
  created_at: string;
  /** When search starts returning the current version. */
  searchable_at: string;
  /** Present once the post has been deleted (as of now). */
  deleted_at?: string;
  kind: PostKind;
  author_id: string;
  /** The search indexes a search can find it in: reposts only `legacy`'s, since X's 2026 index. */
  search_indexes: SearchIndex[];
  /** Its `retweet_count` at now (a repost shows its original's), as a look-up at now returns it. */
  retweet_count: number;
}

export interface TruthRange {
  hashtag: string;
  startMs: number;
  endMs: number;
  now: number;
  /** Only posts a search on this index can find; every post when undefined. */
  index?: SearchIndex | undefined;
}

/**
 * Every post that exists at `now` and carries the hashtag (folded for case and
 * accents; a repost carries its original's), whose current version was created
 * in [startMs, endMs), and that a search on `index` can find, newest first,
 * deleted ones included and marked.
 */
export function truthPosts(world: World, { hashtag, startMs, endMs, now, index }: TruthRange): TruthPost[] {
  const key = hashtagKey(hashtag);
  const posts: TruthPost[] = [];
  for (const v of versionsDescending(world, { startMs, endMs: Math.min(endMs, now + 1) })) {
    if (!isCurrent(v, now) || !v.post.tagKeys.includes(key)) continue;
    const { post } = v;
    if (index !== undefined && !inIndex(post.kind, index)) continue;
    posts.push({
      id: v.id,
      edit_history_tweet_ids: post.versions.slice(0, v.n + 1).map((x) => x.id),
      created_at: v.createdAt,
      searchable_at: new Date(searchableAt(v)).toISOString(),
      ...(isDeleted(post, now) && post.deletedMs !== null
        ? { deleted_at: new Date(post.deletedMs).toISOString() }
        : {}),
      kind: post.kind,
      author_id: post.author.id,
      search_indexes: indexesOf(post.kind),
      retweet_count: publicMetrics(v, now).retweet_count,
    });
  }
  return posts;
}

export interface TruthCount {
  start: string;
  end: string;
  /** Posts that exist and are not deleted, by current created_at. */
  post_count: number;
  /** Posts created in the bucket and deleted by now. */
  deleted_count: number;
}

/** {@link truthPosts} counted per minute, hour or day bucket, ascending. */
export function truthCounts(world: World, range: TruthRange, granularity: Granularity): TruthCount[] {
  const buckets: Bucket[] = bucketsFor(range.startMs, range.endMs, granularity);
  const live = new Array<number>(buckets.length).fill(0);
  const deleted = new Array<number>(buckets.length).fill(0);
  for (const post of truthPosts(world, range)) {
    const i = bucketIndex(Date.parse(post.created_at), range.startMs, granularity);
    if (post.deleted_at) deleted[i] = (deleted[i] ?? 0) + 1;
    else live[i] = (live[i] ?? 0) + 1;
  }
  return buckets.map((b, i) => ({
    start: new Date(b.start).toISOString(),
    end: new Date(b.end).toISOString(),
    post_count: live[i] ?? 0,
    deleted_count: deleted[i] ?? 0,
  }));
}
