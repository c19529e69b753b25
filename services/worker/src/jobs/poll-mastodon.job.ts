import { maxId } from '@tagpulse/core';
import { type CaptureCursorRow, cursorsRepository, pageStore, refreshRepository } from '@tagpulse/db';
import {
  MASTODON_PAGE_SIZE,
  MastodonRateLimitedError,
  mastodonIdAt,
  mastodonIdTime,
} from '@tagpulse/mastodon-client';
import { type JobPayload, nudge } from '@tagpulse/queue';
import type { CaptureSettings } from '../deps.js';
import type { JobCtx } from '../job-context.js';

/**
 * Where the next page of an instance's hashtag timeline starts (`min_id`): a
 * cycle under way goes on above its last page; a new cycle starts the overlap
 * below the newest status stored, as Mastodon dates a federated copy by its
 * creation, so a copy arriving late lands below ids already read; a first
 * poll reads back MASTODON_FIRST_POLL_HOURS.
 */
export function pageStart(cursor: CaptureCursorRow, now: Date, settings: CaptureSettings): string {
  if (cursor.cycle_newest_id !== null) return cursor.cycle_newest_id;
  if (cursor.since_id !== null)
    return mastodonIdAt(mastodonIdTime(cursor.since_id) - settings.mastodonOverlapMs);
  return mastodonIdAt(now.getTime() - settings.mastodonFirstPollMs);
}

/**
 * Polls one instance's timeline of one hashtag, forward from its cursor:
 * each page stored with the advanced cursor in one statement, until a page
 * shorter than Mastodon's 40 (the head of the timeline) or the page budget of
 * one job. A status seen through several instances is one post (its uri);
 * reading it again changes only its figures. A spent rate window, a 429 or
 * an instance that is down stops this cursor until the next tick after it.
 */
export async function pollMastodon(
  { queryKey, instance, tagKey }: JobPayload<'poll-mastodon'>,
  ctx: JobCtx,
): Promise<void> {
  const { db, clock, settings, mastodon } = ctx.deps;
  const api = mastodon.get(instance);
  // An instance no longer configured in this worker: the sync retires its cursors.
  if (!api) return;
  for (let n = 0; n < settings.maxPagesPerJob; n++) {
    const cursor = await cursorsRepository.getCursor(db, queryKey);
    if (!cursor || cursor.status === 'retired') return;
    const now = clock.now();
    const resetAt = cursor.rate_limit_reset_at;
    if (cursor.rate_limit_remaining === 0 && resetAt !== null && resetAt > now) return;
    const status = (s: Parameters<typeof cursorsRepository.setCursorStatus>[2]) =>
      cursorsRepository.setCursorStatus(db, queryKey, { last_poll_at: now, ...s });
    let page: Awaited<ReturnType<typeof api.tagPage>>;
    try {
      page = await api.tagPage({ hashtag: tagKey, minId: pageStart(cursor, now, settings) }, now);
    } catch (err) {
      if (err instanceof MastodonRateLimitedError) {
        await status({ status: 'rate_limited', rate_limit_remaining: 0, rate_limit_reset_at: err.resetAt });
        return;
      }
      // Down, a proxy's error page, a timeout: the cursor stays, the next tick tries again.
      const message = err instanceof Error ? err.message : String(err);
      await status({ status: 'error', last_error: message });
      ctx.log.warn({ queryKey, err }, 'mastodon instance did not answer');
      return;
    }
    for (const rejected of page.rejected) {
      ctx.log.warn({ queryKey, postId: rejected.id, reason: rejected.reason }, 'malformed status skipped');
    }
    const full = page.returned >= MASTODON_PAGE_SIZE;
    // Where the page's statuses are looked up later, written before the page: after a crash between
    // the two, the page is read again and its locations written again, which changes nothing.
    await refreshRepository.recordMastodonLocations(db, instance, page.localIds);
    const stored = await pageStore.storePage(db, {
      posts: page.posts,
      authors: page.authors,
      rejected: page.rejected.length,
      seenAt: now,
      cursor: {
        queryKey,
        expectedVersion: cursor.version,
        patch: {
          since_id: maxId(cursor.since_id ?? undefined, page.newestId) ?? null,
          cycle_newest_id: full ? (page.newestId ?? null) : null,
          ...(cursor.cycle_newest_id === null ? { cycle_started_at: now } : {}),
          status: 'ok',
          last_poll_at: now,
          last_success_at: now,
          last_error: null,
          rate_limit_remaining: page.rateLimit?.remaining ?? null,
          rate_limit_reset_at: page.rateLimit?.resetAt ?? null,
        },
      },
    });
    if (!stored.committed) {
      ctx.log.debug({ queryKey }, 'cursor moved by another worker; page dropped');
      return;
    }
    if (stored.posts > 0) await nudge(ctx.deps.queues, 'compute-rollups', {});
    if (!full) return;
  }
}
