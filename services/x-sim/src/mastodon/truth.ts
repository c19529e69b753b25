import { hashtagKey } from '@tagpulse/core';
import { versionsDescending } from '../world/scan.js';
import { statusJson } from './entities.js';
import { firstVersion, type MastodonWorld } from './mastodon-world.js';

/** One status as it stands at the sim's now: what a perfect capture of every instance would hold. */
export interface MastodonTruthPost {
  uri: string;
  created_at: string;
  /** Tagpulse's kind: Mastodon's hashtag timelines carry originals and replies (a quote is a status linking to another). */
  kind: 'original' | 'reply';
  author_uri: string;
  /** The instances showing it at now (home first), by domain: one status, several local ids. */
  instances: string[];
  /** Present once the status has been deleted (as of now): no instance shows it any more. */
  deleted_at?: string;
  /** When the status first showed on any instance (its creation, on its home instance). */
  visible_from: string;
}

/**
 * Every status carrying the hashtag whose creation falls in [startMs, endMs)
 * and that exists at `now`, newest first, deleted ones included and marked.
 */
export function mastodonTruth(
  m: MastodonWorld,
  { hashtag, startMs, endMs, now }: { hashtag: string; startMs: number; endMs: number; now: number },
): MastodonTruthPost[] {
  const key = hashtagKey(hashtag);
  const out: MastodonTruthPost[] = [];
  for (const v of versionsDescending(m.world, { startMs, endMs: Math.min(endMs, now + 1) })) {
    if (v.n !== 0 || !v.post.tagKeys.includes(key)) continue;
    const status = m.statusOf(v.post);
    if (!status) continue;
    const json = statusJson(m, status, status.home, now);
    const deleted = v.post.deletedMs !== null && v.post.deletedMs <= now;
    out.push({
      uri: json.uri,
      created_at: new Date(firstVersion(v.post).createdMs).toISOString(),
      kind: json.in_reply_to_id === null ? 'original' : 'reply',
      author_uri: json.account.uri,
      instances: [...status.arrivals].filter(([, at]) => at <= now).map(([i]) => m.domains[i] ?? ''),
      ...(deleted && v.post.deletedMs !== null
        ? { deleted_at: new Date(v.post.deletedMs).toISOString() }
        : {}),
      visible_from: new Date(firstVersion(v.post).createdMs).toISOString(),
    });
  }
  return out;
}
