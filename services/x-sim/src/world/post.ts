import type { PostKind } from '@tagpulse/core';
import type { SimUser } from './authors.js';
import type { PostText } from './text.js';

export type { PostKind } from '@tagpulse/core';

export interface Metrics {
  retweet_count: number;
  reply_count: number;
  like_count: number;
  quote_count: number;
  bookmark_count: number;
  impression_count: number;
}

export interface SimMedia {
  key: string;
  type: 'photo' | 'video';
  width: number;
  height: number;
  durationMs: number | null;
  views: number | null;
  altText: string | null;
}

/** One version of a post. Editing makes a new version with a new id; the first id names the chain. */
export interface Version {
  id: string;
  idNum: bigint;
  /** 0 for the original, n for the n-th edit. */
  n: number;
  /** Millisecond instant encoded in the id; `created_at` shows it cut to the second. */
  createdMs: number;
  createdAt: string;
  text: PostText;
  post: SimPost;
}

export interface SimPost {
  kind: PostKind;
  /** The one-minute slice the post was first created in, and its place there (both in the id's low bits). */
  slice: number;
  index: number;
  versions: Version[];
  /** When the whole chain is deleted; null if never. */
  deletedMs: number | null;
  author: SimUser;
  lang: string;
  /** Folded hashtags search matches on; a repost matches on its original's hashtags. */
  tagKeys: readonly string[];
  /** The post replied to, quoted or reposted: always an original that is never edited or deleted. */
  ref: SimPost | null;
  media: SimMedia | null;
  searchableDelayMs: number;
  /** What the public metrics grow towards. */
  finals: Metrics;
}

export function isCurrent(v: Version, now: number): boolean {
  if (v.createdMs > now) return false;
  const next = v.post.versions[v.n + 1];
  return next === undefined || next.createdMs > now;
}

export function isDeleted(post: SimPost, now: number): boolean {
  return post.deletedMs !== null && post.deletedMs <= now;
}

export function searchableAt(v: Version): number {
  return v.createdMs + v.post.searchableDelayMs;
}

/** Search returns only the current version of a live post, and only once it has become searchable. */
export function isSearchable(v: Version, now: number): boolean {
  return isCurrent(v, now) && !isDeleted(v.post, now) && searchableAt(v) <= now;
}

/** Engagement keeps growing for hours after posting, fastest at first. */
const GROWTH_MS = 2 * 3_600_000;

/**
 * Public metrics at `now`: each count rises from 0 towards its final value as
 * 1 − e^(−age/2h) of the version's age; a repost shows its original's repost
 * count and zero engagement of its own, as X does.
 */
export function publicMetrics(v: Version, now: number): Metrics {
  const ref = v.post.ref;
  if (v.post.kind === 'repost' && ref) {
    const original = ref.versions[0];
    const rt = original ? Math.floor(ref.finals.retweet_count * growth(now - original.createdMs)) : 0;
    return {
      retweet_count: rt,
      reply_count: 0,
      like_count: 0,
      quote_count: 0,
      bookmark_count: 0,
      impression_count: 0,
    };
  }
  const g = growth(now - v.createdMs);
  const f = v.post.finals;
  return {
    retweet_count: Math.floor(f.retweet_count * g),
    reply_count: Math.floor(f.reply_count * g),
    like_count: Math.floor(f.like_count * g),
    quote_count: Math.floor(f.quote_count * g),
    bookmark_count: Math.floor(f.bookmark_count * g),
    impression_count: Math.floor(f.impression_count * g),
  };
}

function growth(ageMs: number): number {
  return ageMs <= 0 ? 0 : 1 - Math.exp(-ageMs / GROWTH_MS);
}
