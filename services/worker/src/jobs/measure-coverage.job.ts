import { budgetRepository, coverageRepository, hashtagsRepository } from '@tagpulse/db';
import type { JobPayload } from '@tagpulse/queue';
import { XRateLimitedError } from '@tagpulse/x-client';
import { atLeast } from '../capture/budget-plan.js';
import { coverageReadings, coverageWindow } from '../capture/coverage.js';
import { spendEntry } from '../capture/spend.js';
import type { JobCtx } from '../job-context.js';

/** For each tracked hashtag and recent whole hour: captured posts against X's own count. */
export async function measureCoverage(_: JobPayload<'measure-coverage'>, ctx: JobCtx): Promise<void> {
  const { db, x, clock, settings } = ctx.deps;
  const now = clock.now();
  const step = (await budgetRepository.currentBudget(db, now))?.step ?? 'normal';
  if (step === 'paused') return;
  if (atLeast(step, 'sparse_coverage')) {
    const last = await coverageRepository.lastMeasuredAt(db);
    if (last && now.getTime() - last.getTime() < settings.sparseCoverageMs) return;
  }
  const { from, to } = coverageWindow(now, settings.coverageHours);
  for (const tag of await hashtagsRepository.listHashtags(db, { activeOnly: true })) {
    const counts = await x
      .counts(`#${tag.display}`, { startTime: from, endTime: to, granularity: 'hour' })
      .catch(async (err: unknown) => {
        if (err instanceof XRateLimitedError) throw await ctx.rateLimited(err.resetAt);
        throw err;
      });
    const captured = await coverageRepository.capturedPerHour(db, tag.tag_key, from, to);
    await coverageRepository.upsertCoverage(
      db,
      coverageReadings(tag.tag_key, counts.buckets, captured, now),
      spendEntry(settings.prices, {
        at: now,
        endpoint: 'counts/recent',
        purpose: 'coverage',
        tagKeys: [tag.tag_key],
      }),
    );
  }
}
