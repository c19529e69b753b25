import { BLUESKY_LOOKUP_BATCH, BlueskyRateLimitedError } from '@tagpulse/bluesky-client';
import { budgetRepository, refreshRepository } from '@tagpulse/db';
import type { JobPayload } from '@tagpulse/queue';
import { LOOKUP_MAX_IDS, XRateLimitedError } from '@tagpulse/x-client';
import { atLeast } from '../capture/budget-plan.js';
import { spendEntry } from '../capture/spend.js';
import type { JobCtx } from '../job-context.js';

/**
 * Looks up the posts whose +1 h, +24 h or +7 d reading is due, 100 ids a
 * request, at most `refreshBatchesPerRun` requests a run (the lookup budget).
 */
export async function refreshEngagement(_: JobPayload<'refresh-engagement'>, ctx: JobCtx): Promise<void> {
  const { db, x, clock, settings } = ctx.deps;
  await refreshBluesky(ctx);
  // First to go near the budget: one look-up a run, none once it is spent.
  const budget = await budgetRepository.currentBudget(db, clock.now());
  const step = budget?.step ?? 'normal';
  if (step === 'paused') return;
  const batches = atLeast(step, 'thin_refresh')
    ? Math.min(1, settings.refreshBatchesPerRun)
    : settings.refreshBatchesPerRun;
  for (let n = 0; n < batches; n++) {
    const now = clock.now();
    const due = await refreshRepository.duePosts(db, now, LOOKUP_MAX_IDS);
    if (due.length === 0) return;
    const result = await x
      .lookup(
        due.map((d) => d.id),
        now,
      )
      .catch(async (err: unknown) => {
        if (err instanceof XRateLimitedError) throw await ctx.rateLimited(err.resetAt);
        throw err;
      });
    const deletedIds = result.missing.filter((m) => m.reason === 'deleted').map((m) => m.id);
    await refreshRepository.applyRefresh(db, {
      due,
      found: result.posts,
      deletedIds,
      now,
      spend: spendEntry(settings.prices, {
        at: now,
        endpoint: 'tweets',
        purpose: 'refresh',
        billable: result.billable,
      }),
    });
    ctx.log.debug({ looked: due.length, deleted: deletedIds.length }, 'engagement refreshed');
    if (result.rateLimit && result.rateLimit.remaining <= 0) {
      await ctx.rateLimited(result.rateLimit.resetAt);
      return;
    }
  }
}

/**
 * Bluesky's +1 h, +24 h and +7 d readings: `getPosts`, 25 URIs a request
 * (free, so not held to X's budget); a post Bluesky no longer returns was
 * deleted. The same number of requests a run as X's look-ups.
 */
export async function refreshBluesky(ctx: JobCtx): Promise<void> {
  const { db, bluesky, clock, settings } = ctx.deps;
  if (!bluesky) return;
  for (let n = 0; n < settings.refreshBatchesPerRun; n++) {
    const now = clock.now();
    const due = await refreshRepository.duePosts(db, now, BLUESKY_LOOKUP_BATCH, 'bluesky');
    if (due.length === 0) return;
    const found = await bluesky
      .getPosts(
        due.map((d) => d.id),
        now,
      )
      .catch(async (err: unknown) => {
        if (err instanceof BlueskyRateLimitedError) throw await ctx.rateLimited(err.resetAt);
        throw err;
      });
    const live = new Set(found.posts.map((p) => p.id));
    // A malformed view is not a deletion: only URIs absent from the answer are.
    const rejected = new Set(found.rejected.map((r) => r.id));
    const deletedIds = due.map((d) => d.id).filter((id) => !live.has(id) && !rejected.has(id));
    await refreshRepository.applyRefresh(db, { due, found: found.posts, deletedIds, now });
    ctx.log.debug({ looked: due.length, deleted: deletedIds.length }, 'bluesky engagement refreshed');
  }
}
