import { isPollDue, longestPollDelayMs, pollDelayMs, postingRate, RATE_WINDOWS_MS } from '@tagpulse/core';
import { type CaptureCursorRow, postsRepository } from '@tagpulse/db';
import type { WorkerDeps } from '../deps.js';
import { ANCHOR_POSTS, chooseAnchor, SEARCH_LAG_MS, searchWindowStart } from './poll-plan.js';

type Cursor = Pick<CaptureCursorRow, 'tag_keys' | 'since_id' | 'cycle_until_id' | 'cycle_started_at'>;

/**
 * Whether a query's next cycle is due at this tick: at once for a first poll
 * or a cycle under way, otherwise when the posting rate of its stored posts
 * says a new post is likely (core's poll cadence), and at the latest when the
 * freshness asked (CAPTURE_MAX_DELAY_SECONDS) requires.
 */
export async function isCycleDue(deps: WorkerDeps, cursor: Cursor, now: Date): Promise<boolean> {
  const { settings } = deps;
  const last = cursor.cycle_started_at;
  if (settings.maxDelayMs <= 0 || cursor.since_id === null || cursor.cycle_until_id !== null || last === null)
    return true;
  const cadence = {
    maxDelayMs: settings.maxDelayMs,
    searchLagMs: SEARCH_LAG_MS,
    tickMs: settings.pollTickMs,
  };
  // Past the longest wait the rate does not matter: no need to read it.
  if (isPollDue(last, now, longestPollDelayMs(cadence))) return true;
  // What the last cycle could see: posts created up to X's search lag before it began.
  const counts = await postsRepository.countRecentPosts(
    deps.db,
    cursor.tag_keys,
    new Date(last.getTime() - SEARCH_LAG_MS),
    RATE_WINDOWS_MS,
  );
  const rate = postingRate(counts.map((posts, i) => ({ posts, ms: RATE_WINDOWS_MS[i]! })));
  return isPollDue(last, now, pollDelayMs(rate, cadence));
}

/** The post a new cycle re-reads so that X cannot bill it as an empty search (see chooseAnchor). */
export async function cycleAnchor(deps: WorkerDeps, cursor: Cursor, now: Date): Promise<string | undefined> {
  const { settings, db } = deps;
  if (settings.maxDelayMs <= 0 || !(settings.prices.emptyRequest > 0)) return undefined;
  const candidates = await postsRepository.newestPosts(
    db,
    cursor.tag_keys,
    searchWindowStart(now),
    ANCHOR_POSTS,
  );
  return chooseAnchor(candidates, now, settings.prices);
}
