/**
 * A post as tagpulse stores it, whatever X sent. One post per edit chain:
 * `id` is the newest version seen, `editRootId` the chain's first id, and
 * `createdAt` the chain's creation time, so an edit never moves a post to
 * another bucket. Ids are strings end to end: they exceed 2^53.
 */
import type { Network } from './network.js';

export type PostKind = 'original' | 'reply' | 'quote' | 'repost';

export interface PublicMetrics {
  likes: number;
  reposts: number;
  replies: number;
  quotes: number;
  bookmarks: number;
  /** Null where the network counts no views (see `MISSING_METRICS`): absent, never 0. */
  impressions: number | null;
}

export interface Post {
  /** Where it was posted; its ids' form says the same (`networkOfId`). */
  network: Network;
  id: string;
  editRootId: string;
  authorId: string;
  createdAt: Date;
  text: string;
  /** BCP 47 as X classifies it; `und` when X could not tell, null when not sent. */
  lang: string | null;
  kind: PostKind;
  /** The replied-to, quoted or reposted post; null for originals. */
  referencedPostId: string | null;
  conversationId: string | null;
  /** Case- and accent-folded hashtag keys (see `hashtagKey`), without duplicates. */
  hashtags: string[];
  metrics: PublicMetrics;
  /** When `metrics` were read; a later reading replaces an earlier one, never the reverse. */
  observedAt: Date;
  /** The X object as received, kept for audit and for metrics added later. */
  raw: unknown;
}

export interface Author {
  network: Network;
  id: string;
  username: string;
  name: string;
  followers: number;
  following: number;
  posts: number;
  listed: number;
  verified: boolean;
  verifiedType: string | null;
  accountCreatedAt: Date | null;
  observedAt: Date;
}

/** A post X sent that could not be mapped: counted, logged with its id, skipped. */
export interface RejectedPost {
  id: string | null;
  reason: string;
}

/** One page of X payload after mapping: the good posts and authors, and what was skipped. */
export interface MappedPage {
  posts: Post[];
  authors: Author[];
  rejected: RejectedPost[];
}
