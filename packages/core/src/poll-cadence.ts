/**
 * When to poll a search query next, from how fast its posts come and how fresh
 * the operator wants them. On pay-per-use X a post costs the same however often
 * it is polled for (each post is billed once per UTC day), so what polling
 * frequency buys is freshness, and what it costs is requests: rate-limit slots
 * and, where X bills a search that finds nothing, money. A request is worth
 * making when it is likely to bring a new post; the freshness asked bounds the
 * wait however quiet the query is.
 */

/** Posts a poll should expect to find: one, so a busy query is polled at every tick and a quiet one rarely. */
export const TARGET_POSTS_PER_POLL = 1;

/** The windows the posting rate is read over: the short one sees a surge at once, the long one holds through a lull. */
export const RATE_WINDOWS_MS = [10 * 60_000, 60 * 60_000] as const;

export interface CadenceSettings {
  /**
   * Longest a post may wait between becoming searchable and being stored
   * (CAPTURE_MAX_DELAY_SECONDS); 0 polls at every tick, as fixed polling does.
   */
  maxDelayMs: number;
  /** How far behind now X's search ends (its default end_time, now − 30 s): every post waits that long. */
  searchLagMs: number;
  /** The poll scheduler's tick in X time: a due poll may wait up to one tick to run. */
  tickMs: number;
}

/** Posts stored whose created_at falls in a window of `ms` ending where the last cycle could see. */
export interface PostingWindow {
  posts: number;
  ms: number;
}

/** Posts per millisecond: the highest rate among the windows. */
export function postingRate(windows: readonly PostingWindow[]): number {
  let rate = 0;
  for (const w of windows) if (w.ms > 0) rate = Math.max(rate, w.posts / w.ms);
  return rate;
}

/** The longest wait between the starts of two cycles that still stores every post within `maxDelayMs`. */
export function longestPollDelayMs({ maxDelayMs, searchLagMs, tickMs }: CadenceSettings): number {
  return Math.max(0, maxDelayMs - searchLagMs - tickMs);
}

/**
 * Milliseconds from the start of the last cycle to the start of the next: the
 * time the posting rate takes to bring `TARGET_POSTS_PER_POLL` posts, at most
 * the longest wait the freshness asked allows (0: every tick).
 */
export function pollDelayMs(ratePerMs: number, settings: CadenceSettings): number {
  const longest = longestPollDelayMs(settings);
  if (settings.maxDelayMs <= 0 || longest === 0) return 0;
  if (!(ratePerMs > 0)) return longest;
  return Math.min(longest, TARGET_POSTS_PER_POLL / ratePerMs);
}

/** Whether a poll is due at `now`: never polled, or `delayMs` since the last cycle began. */
export function isPollDue(lastCycleStart: Date | null, now: Date, delayMs: number): boolean {
  return lastCycleStart === null || now.getTime() - lastCycleStart.getTime() >= delayMs;
}
