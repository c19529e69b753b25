import { type Database, type HashtagRow, hashtagsRepository } from '@tagpulse/db';
import { hashtagsChangedChannel, type RedisClient } from '@tagpulse/queue';
import type { Kysely } from 'kysely';

/** What changing the tracked hashtags needs, whoever asks (the API, the CLI). */
export interface HashtagTracking {
  db: Kysely<Database>;
  /** A producer connection; it may still be connecting. */
  redis: RedisClient;
  /** BullMQ key prefix: the workers listen on a channel under it. */
  queuePrefix: string;
}

export interface TrackingChange<T> {
  result: T;
  /**
   * Set when the running workers could not be told at once; they re-read the hashtags on an
   * interval (HASHTAG_SYNC_MS), so the change is only delayed.
   */
  announceError?: Error;
}

/** Tells running workers the tracked hashtags changed, so polling follows without a restart. */
async function announceHashtagChange(redis: RedisClient, queuePrefix: string): Promise<void> {
  await redis.publish(hashtagsChangedChannel(queuePrefix), 'changed');
}

async function announced<T>(deps: HashtagTracking, result: T, changed: boolean): Promise<TrackingChange<T>> {
  if (!changed) return { result };
  try {
    await announceHashtagChange(deps.redis, deps.queuePrefix);
    return { result };
  } catch (err) {
    return { result, announceError: err as Error };
  }
}

/** The hashtags being tracked now: what every network's capture polls for. */
export async function trackedHashtags(db: Kysely<Database>): Promise<HashtagRow[]> {
  return hashtagsRepository.listHashtags(db, { activeOnly: true });
}

/** Tracks each hashtag (again, if it was dropped), then tells the workers once. */
export async function trackHashtags(
  deps: HashtagTracking,
  tags: { key: string; display: string }[],
): Promise<TrackingChange<HashtagRow[]>> {
  const rows: HashtagRow[] = [];
  for (const tag of tags) rows.push(await hashtagsRepository.addHashtag(deps.db, tag));
  return announced(deps, rows, rows.length > 0);
}

/** Stops tracking each hashtag (posts and series stay); tells the workers when one was tracked. */
export async function untrackHashtags(
  deps: HashtagTracking,
  keys: string[],
): Promise<TrackingChange<boolean[]>> {
  const removed: boolean[] = [];
  for (const key of keys) removed.push(await hashtagsRepository.deactivateHashtag(deps.db, key));
  return announced(deps, removed, removed.some(Boolean));
}
