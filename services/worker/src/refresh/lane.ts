import { BlueskyRateLimitedError } from '@tagpulse/bluesky-client';
import { MastodonRateLimitedError } from '@tagpulse/mastodon-client';
import { XRateLimitedError } from '@tagpulse/x-client';
import type { JobCtx } from '../job-context.js';

/**
 * One source's engagement look-ups in a refresh run. A source (a network, or
 * one Mastodon instance) has its own rate window: when it is spent, only
 * that source waits for its reset.
 */
export interface RefreshLane {
  /** What backs off on its own: `x`, `bluesky`, `mastodon <instance URL>`. */
  source: string;
  /** This run's look-ups; resolves with when the source's window reopens when the run spent it. */
  run(): Promise<Date | undefined>;
}

/** A network's look-ups: its lanes for this run (none when the network is off). */
export type Refresher = (ctx: JobCtx) => RefreshLane[];

/** When a source's window reopens, when `err` is its 429. */
export function rateLimitReset(err: unknown): Date | undefined {
  if (
    err instanceof XRateLimitedError ||
    err instanceof BlueskyRateLimitedError ||
    err instanceof MastodonRateLimitedError
  )
    return err.resetAt;
  return undefined;
}
