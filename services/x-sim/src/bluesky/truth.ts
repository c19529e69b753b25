import { hashtagKey } from '@tagpulse/core';
import { firstVersion } from '../mastodon/mastodon-world.js';
import { versionsDescending } from '../world/scan.js';
import type { BlueskyWorld } from './bluesky-world.js';

/** One Bluesky post as it stands at the sim's now: what a perfect capture would hold. */
export interface BlueskyTruthPost {
  uri: string;
  created_at: string;
  kind: 'original' | 'reply' | 'quote';
  author_did: string;
  /** Whether the hashtags are in the record's `tags` rather than in facets of its text. */
  tags_only: boolean;
  /** Present once the post has been deleted (as of now). */
  deleted_at?: string;
}

/**
 * Every Bluesky post carrying the hashtag whose creation falls in
 * [startMs, endMs) and that exists at `now`, newest first, deleted ones
 * included and marked.
 */
export function blueskyTruth(
  b: BlueskyWorld,
  { hashtag, startMs, endMs, now }: { hashtag: string; startMs: number; endMs: number; now: number },
): BlueskyTruthPost[] {
  const key = hashtagKey(hashtag);
  const out: BlueskyTruthPost[] = [];
  for (const v of versionsDescending(b.world, { startMs, endMs: Math.min(endMs, now + 1) })) {
    const post = v.post;
    if (v.n !== 0 || !post.tagKeys.includes(key) || !b.carries(post)) continue;
    out.push({
      uri: b.uri(post),
      created_at: new Date(firstVersion(post).createdMs).toISOString(),
      kind: post.kind === 'repost' ? 'original' : post.kind,
      author_did: b.did(post.author),
      tags_only: b.tagsOnly(post),
      ...(post.deletedMs !== null && post.deletedMs <= now
        ? { deleted_at: new Date(post.deletedMs).toISOString() }
        : {}),
    });
  }
  return out;
}
