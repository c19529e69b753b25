import { BLUESKY_LOOKUP_BATCH } from '@tagpulse/bluesky-client';
import { refreshRepository } from '@tagpulse/db';
import type { Refresher } from './lane.js';

/**
 * Bluesky's readings: `getPosts`, 25 URIs a request (free, so not held to X's
 * budget); a post Bluesky no longer returns was deleted. The same number of
 * requests a run as X's look-ups.
 */
export const blueskyRefresher: Refresher = (ctx) => {
  const { db, bluesky, clock, settings } = ctx.deps;
  if (!bluesky) return [];
  return [
    {
      source: 'bluesky',
      async run() {
        for (let n = 0; n < settings.refreshBatchesPerRun; n++) {
          const now = clock.now();
          const due = await refreshRepository.duePosts(db, now, BLUESKY_LOOKUP_BATCH, 'bluesky');
          if (due.length === 0) return undefined;
          const found = await bluesky.getPosts(
            due.map((d) => d.id),
            now,
          );
          const live = new Set(found.posts.map((p) => p.id));
          // A malformed view is not a deletion: only URIs absent from the answer are.
          const rejected = new Set(found.rejected.map((r) => r.id));
          const deletedIds = due.map((d) => d.id).filter((id) => !live.has(id) && !rejected.has(id));
          await refreshRepository.applyRefresh(db, { due, found: found.posts, deletedIds, now });
          ctx.log.debug({ looked: due.length, deleted: deletedIds.length }, 'bluesky engagement refreshed');
        }
        return undefined;
      },
    },
  ];
};
