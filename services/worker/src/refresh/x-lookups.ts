import { budgetRepository, refreshRepository } from '@tagpulse/db';
import { LOOKUP_MAX_IDS } from '@tagpulse/x-client';
import { atLeast } from '../capture/budget-plan.js';
import { spendEntry } from '../capture/spend.js';
import type { Refresher } from './lane.js';

/**
 * X's readings: `GET /2/tweets`, 100 ids a request, at most
 * `refreshBatchesPerRun` requests a run (the lookup budget), billed.
 */
export const xRefresher: Refresher = (ctx) => [
  {
    source: 'x',
    async run() {
      const { db, x, clock, settings } = ctx.deps;
      // First to go near the budget: one look-up a run, none once it is spent.
      const budget = await budgetRepository.currentBudget(db, clock.now());
      const step = budget?.step ?? 'normal';
      if (step === 'paused') return undefined;
      const batches = atLeast(step, 'thin_refresh')
        ? Math.min(1, settings.refreshBatchesPerRun)
        : settings.refreshBatchesPerRun;
      for (let n = 0; n < batches; n++) {
        const now = clock.now();
        const due = await refreshRepository.duePosts(db, now, LOOKUP_MAX_IDS);
        if (due.length === 0) return undefined;
        const result = await x.lookup(
          due.map((d) => d.id),
          now,
        );
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
        if (result.rateLimit && result.rateLimit.remaining <= 0) return result.rateLimit.resetAt;
      }
      return undefined;
    },
  },
];
