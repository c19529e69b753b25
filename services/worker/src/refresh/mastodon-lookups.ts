import type { Post } from '@tagpulse/core';
import { refreshRepository } from '@tagpulse/db';
import type { Refresher } from './lane.js';

/**
 * Mastodon's readings, instance by instance: each status is read again on the
 * instance it was captured from, by its local id there (`GET
 * /api/v1/statuses/:id`, one a request, at most `mastodonLookupsPerRun` an
 * instance and run, as polls share its 300 requests per 5 minutes). A 404 is
 * a deletion; an instance down or rate-limited leaves its statuses due for a
 * later run, and holds no other instance.
 */
export const mastodonRefresher: Refresher = (ctx) =>
  [...ctx.deps.mastodon].map(([instance, api]) => ({
    source: `mastodon ${instance}`,
    async run() {
      const { db, clock, settings } = ctx.deps;
      const due = await refreshRepository.dueMastodonPosts(
        db,
        clock.now(),
        instance,
        settings.mastodonLookupsPerRun,
      );
      const looked: refreshRepository.DuePost[] = [];
      const found: Post[] = [];
      const deletedIds: string[] = [];
      let reset: Date | undefined;
      try {
        for (const d of due) {
          const answer = await api.status(d.localId, clock.now());
          looked.push(d);
          if (answer.kind === 'found') found.push(answer.post);
          else if (answer.kind === 'deleted') deletedIds.push(d.id);
          else ctx.log.warn({ instance, postId: d.id, reason: answer.reason }, 'malformed status skipped');
          if (answer.rateLimit && answer.rateLimit.remaining <= 0) {
            reset = answer.rateLimit.resetAt;
            break;
          }
        }
      } finally {
        // What was read before a 429 or an outage is kept; the rest stays due for a later run.
        if (looked.length > 0) {
          await refreshRepository.applyRefresh(db, { due: looked, found, deletedIds, now: clock.now() });
          ctx.log.debug(
            { instance, looked: looked.length, deleted: deletedIds.length },
            'mastodon engagement refreshed',
          );
        }
      }
      return reset;
    },
  }));
