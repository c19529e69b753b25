import { refreshRepository } from '@tagpulse/db';
import type { JobPayload } from '@tagpulse/queue';
import type { JobCtx } from '../job-context.js';
import { blueskyRefresher } from '../refresh/bluesky-lookups.js';
import { type Refresher, type RefreshLane, rateLimitReset } from '../refresh/lane.js';
import { mastodonRefresher } from '../refresh/mastodon-lookups.js';
import { xRefresher } from '../refresh/x-lookups.js';

const REFRESHERS: Refresher[] = [xRefresher, blueskyRefresher, mastodonRefresher];

/**
 * Looks up the posts whose +1 h, +24 h or +7 d reading is due, every source
 * (each network; each Mastodon instance) on its own and side by side: a
 * source whose rate window is spent is held until its reset, and skipped by
 * the runs before it, while the others go on; a source's failure is logged
 * and its posts stay due for the next run. Never pauses the queue.
 */
export async function refreshEngagement(_: JobPayload<'refresh-engagement'>, ctx: JobCtx): Promise<void> {
  const held = await refreshRepository.heldSources(ctx.deps.db, ctx.deps.clock.now());
  const lanes = REFRESHERS.flatMap((refresher) => refresher(ctx));
  await Promise.all(lanes.map((lane) => runLane(lane, held.get(lane.source), ctx)));
}

async function runLane(lane: RefreshLane, heldUntil: Date | undefined, ctx: JobCtx): Promise<void> {
  const { source } = lane;
  if (heldUntil) {
    ctx.log.debug({ source, until: heldUntil }, 'look-ups held until the rate window resets');
    return;
  }
  let reset: Date | undefined;
  try {
    reset = await lane.run();
  } catch (err) {
    reset = rateLimitReset(err);
    if (!reset) {
      ctx.log.warn({ source, err }, 'engagement look-ups failed; their posts stay due, other sources go on');
      return;
    }
  }
  if (!reset) return;
  await refreshRepository.holdSource(ctx.deps.db, source, reset);
  ctx.log.info({ source, until: reset }, 'look-ups held until the rate window resets');
}
