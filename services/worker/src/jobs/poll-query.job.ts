import { compareIds } from '@tagpulse/core';
import { cursorsRepository, gapsRepository, pageStore } from '@tagpulse/db';
import { type JobPayload, nudge } from '@tagpulse/queue';
import { XAuthError, XInvalidRequestError, XRateLimitedError, XUsageCappedError } from '@tagpulse/x-client';
import { UnrecoverableError } from 'bullmq';
import { checkBudget } from '../capture/budget.js';
import { atLeast } from '../capture/budget-plan.js';
import { cycleAnchor, isCycleDue } from '../capture/poll-cadence.js';
import { cursorAfterPage, hasMore, isPaused, planPoll, withAnchor } from '../capture/poll-plan.js';
import { spendEntry } from '../capture/spend.js';
import type { JobCtx } from '../job-context.js';

/**
 * Polls one query when its cadence says a cycle is due: reads pages from the
 * cursor, each stored with the advanced cursor in one transaction, until the
 * cycle's last page or the page budget of one job. A crash between pages
 * resumes below the last committed page.
 */
export async function pollQuery({ queryKey }: JobPayload<'poll-query'>, ctx: JobCtx): Promise<void> {
  const { db, x, clock, settings } = ctx.deps;
  const budget = await checkBudget(ctx);
  for (let n = 0; n < settings.maxPagesPerJob; n++) {
    const cursor = await cursorsRepository.getCursor(db, queryKey);
    if (!cursor || cursor.status === 'retired') return;
    const now = clock.now();
    if (isPaused(cursor, now, settings.pausedProbeMs)) return;
    if (budget?.step === 'paused') {
      await pauseForBudget(ctx, cursor, budget.pausedAt ?? now, now);
      return;
    }
    // Near the budget a query is polled less often; a cycle under way still finishes.
    const lastPoll = cursor.last_poll_at?.getTime() ?? Number.NEGATIVE_INFINITY;
    const slowed =
      budget !== undefined && atLeast(budget.step, 'slow_polling') && cursor.cycle_until_id === null;
    if (n === 0 && slowed && now.getTime() - lastPoll < settings.slowPollMs) return;
    // A tick polls only when the query's posting rate or the freshness asked says so.
    if (n === 0 && !(await isCycleDue(ctx.deps, cursor, now))) return;
    const planned = planPoll(cursor, now, settings);
    const plan =
      planned.fresh && cursor.since_id !== null
        ? withAnchor(planned, await cycleAnchor(ctx.deps, cursor, now))
        : planned;
    if (plan.gap) {
      await gapsRepository.recordGap(db, { queryKey, tagKeys: cursor.tag_keys, ...plan.gap });
      ctx.log.warn({ queryKey, gap: plan.gap }, 'capture gap: posts beyond the search window');
    }
    const page = await x
      .searchPage({ query: cursor.query, sinceId: plan.sinceId, untilId: plan.untilId, maxResults: 100 }, now)
      .catch((err: unknown) => failed(err, queryKey, now, ctx));
    for (const rejected of page.rejected) {
      ctx.log.warn({ queryKey, postId: rejected.id, reason: rejected.reason }, 'malformed post skipped');
    }
    const stored = await pageStore.storePage(db, {
      posts: page.posts,
      authors: page.authors,
      rejected: page.rejected.length,
      seenAt: now,
      spend: spendEntry(settings.prices, {
        at: now,
        endpoint: 'search/recent',
        // A page wholly at or below where the cursor stood is the overlap read again for late posts.
        purpose:
          page.newestId !== undefined && compareIds(page.newestId, plan.floorId) <= 0 ? 'overlap' : 'poll',
        billable: page.billable,
        queryKey,
        tagKeys: cursor.tag_keys,
      }),
      cursor: {
        queryKey,
        expectedVersion: cursor.version,
        patch: cursorAfterPage(cursor, plan, page, now, settings),
      },
    });
    if (!stored.committed) {
      // Another worker stored this page first; it carries the cycle on.
      ctx.log.debug({ queryKey }, 'cursor moved by another worker; page dropped');
      return;
    }
    // The page marked its buckets in the roll-up outbox; draining it now keeps the series fresh.
    if (stored.posts > 0) await nudge(ctx.deps.queues, 'compute-rollups', {});
    const more = hasMore(page);
    ctx.log.debug({ queryKey, posts: stored.posts, more }, 'page stored');
    if (page.rateLimit && page.rateLimit.remaining <= 0) {
      // The window is spent: hold every worker until it resets instead of earning a 429.
      const retry = await ctx.rateLimited(page.rateLimit.resetAt);
      if (more) throw retry;
    }
    if (!more) return;
  }
}

/**
 * The month's budget is spent: the query polls nothing, says so in its
 * status, and the span is a gap of cause `budget` (widened at each poll it
 * skips). Its cursor stays where it was, so capture resumes from there.
 */
async function pauseForBudget(
  ctx: JobCtx,
  cursor: { query_key: string; tag_keys: string[]; last_success_at: Date | null },
  pausedAt: Date,
  now: Date,
): Promise<void> {
  const { db } = ctx.deps;
  await cursorsRepository.setCursorStatus(db, cursor.query_key, {
    status: 'budget_paused',
    last_poll_at: now,
    last_error:
      'the monthly X budget is spent: capture paused until the next billing month or a raised budget',
  });
  if (now > pausedAt) {
    await gapsRepository.recordGap(db, {
      queryKey: cursor.query_key,
      tagKeys: cursor.tag_keys,
      startAt: pausedAt,
      endAt: now,
      cause: 'budget',
      detail:
        'capture paused: the monthly X budget is spent; posts still in the search window are read on resuming',
    });
  }
}

/** Records why a search failed on the cursor, and turns the failure into what BullMQ should do. */
async function failed(err: unknown, queryKey: string, now: Date, ctx: JobCtx): Promise<never> {
  const { db } = ctx.deps;
  const status = (s: Parameters<typeof cursorsRepository.setCursorStatus>[2]) =>
    cursorsRepository.setCursorStatus(db, queryKey, { last_poll_at: now, ...s });
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof XRateLimitedError) {
    await status({ status: 'rate_limited', rate_limit_remaining: 0, rate_limit_reset_at: err.resetAt });
    throw await ctx.rateLimited(err.resetAt);
  }
  if (err instanceof XUsageCappedError) {
    await status({ status: 'usage_capped', last_error: message });
    // The operational alert until alerting lands: an error line that monitoring picks up.
    ctx.log.error({ queryKey, err }, 'X usage cap exhausted: polling of this query paused');
    throw new UnrecoverableError(message);
  }
  if (err instanceof XAuthError) {
    await status({ status: 'auth_failed', last_error: message });
    ctx.log.error({ queryKey, err }, 'X refused the credentials: polling of this query stopped');
    throw new UnrecoverableError(message);
  }
  if (err instanceof XInvalidRequestError) {
    await status({ status: 'error', last_error: message });
    throw new UnrecoverableError(message);
  }
  // Transient (5xx, network, cut body) or unknown: BullMQ retries with backoff and jitter.
  await status({ status: 'error', last_error: message });
  throw err;
}
