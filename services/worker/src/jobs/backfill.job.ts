import { ARCHIVE_PAGE_SIZE } from '@tagpulse/core';
import {
  type BackfillRow,
  backfillsRepository,
  budgetRepository,
  pageStore,
  spendLedger,
} from '@tagpulse/db';
import { type JobPayload, nudge } from '@tagpulse/queue';
import { XAuthError, XInvalidRequestError, XRateLimitedError, XUsageCappedError } from '@tagpulse/x-client';
import { UnrecoverableError } from 'bullmq';
import { estimateBackfill, refusal } from '../backfill/estimate.js';
import { recordHistoricalAlerts } from '../backfill/historical-alerts.js';
import { checkBudget } from '../capture/budget.js';
import { spendEntry } from '../capture/spend.js';
import type { JobCtx } from '../job-context.js';
import { computeRollups } from './compute-rollups.job.js';

/**
 * Carries one back-fill on from where its row stands: the estimate from
 * `counts/all` (refused above max_usd or the budget's remainder), then
 * `search/all` pages, each stored by the page store with the back-fill's
 * advanced cursor and the request's spend in one statement, one request per
 * X rate window (the queue waits out the window: a job never sleeps), then
 * the finish: gaps it covers marked filled, history's alerts recorded.
 */
export async function runBackfill({ backfillId }: JobPayload<'run-backfill'>, ctx: JobCtx): Promise<void> {
  const { db } = ctx.deps;
  for (;;) {
    const b = await backfillsRepository.getBackfill(db, backfillId);
    if (!b) return;
    if (b.status === 'estimating') {
      await estimate(b, ctx);
      continue;
    }
    if (b.status !== 'running') return;
    if (b.pages > 0 && b.nextToken === null) {
      await finish(b, ctx);
      return;
    }
    await waitWhileBudgetSpent(b, ctx);
    if (!(await readPage(b, ctx))) return;
  }
}

/**
 * Capture pauses at 100 % of the month's budget and so does a back-fill: no request goes to X. Its
 * queue waits (a job never sleeps; waiting spends no attempt) and it goes on from its cursor once
 * the budget is raised or the next billing month begins.
 */
async function waitWhileBudgetSpent(b: BackfillRow, ctx: JobCtx): Promise<void> {
  const budget = await checkBudget(ctx);
  if (budget?.step !== 'paused') return;
  ctx.log.warn({ backfill: b.id }, 'back-fill waits: the monthly X budget is spent');
  const { clock, settings } = ctx.deps;
  throw await ctx.rateLimited(new Date(clock.now().getTime() + settings.slowPollMs));
}

async function estimate(b: BackfillRow, ctx: JobCtx): Promise<void> {
  const { db, x, clock, settings } = ctx.deps;
  let posts = 0;
  let requests = 0;
  let nextToken: string | undefined;
  do {
    const now = clock.now();
    const counts = await x
      .counts(b.query, {
        startTime: b.from,
        endTime: b.to,
        granularity: 'day',
        archive: true,
        ...(nextToken ? { nextToken } : {}),
      })
      .catch((err: unknown) => failed(err, b, now, ctx));
    await spendLedger.recordSpend(
      db,
      spendEntry(settings.prices, {
        at: now,
        endpoint: 'counts/all',
        purpose: 'backfill',
        queryKey: backfillsRepository.backfillQueryKey(b.id),
        tagKeys: b.tagKeys,
      }),
    );
    posts += counts.total;
    requests++;
    nextToken = counts.nextToken;
  } while (nextToken);
  const now = clock.now();
  const est = estimateBackfill(posts, requests, settings.prices);
  const set = await budgetRepository.budgetSetting(db);
  const budgetUsd = set === undefined ? settings.monthlyBudgetUsd : set;
  const budgetRemainingUsd =
    budgetUsd === undefined || budgetUsd === null
      ? undefined
      : Math.max(0, budgetUsd - (await spendLedger.monthSpend(db, now)));
  const refused = refusal(est, { maxUsd: b.maxUsd, budgetRemainingUsd });
  const status = refused ? 'refused' : b.estimateOnly ? 'estimated' : 'running';
  await backfillsRepository.saveEstimate(db, b.id, {
    ...est,
    countsRequests: requests,
    status,
    error: refused ?? null,
    at: now,
  });
  ctx.log.info({ backfill: b.id, estimate: est, status }, 'back-fill estimated');
}

/**
 * Reads and stores the back-fill's next page; false when another run stored it first (that run
 * carries on). When X's rate window is spent, the queue waits it out before the next page.
 */
async function readPage(b: BackfillRow, ctx: JobCtx): Promise<boolean> {
  const { db, x, clock, settings, queues } = ctx.deps;
  const now = clock.now();
  const page = await x
    .searchPage(
      {
        query: b.query,
        startTime: b.from,
        endTime: b.to,
        maxResults: ARCHIVE_PAGE_SIZE,
        archive: true,
        ...(b.nextToken ? { nextToken: b.nextToken } : {}),
      },
      now,
    )
    .catch((err: unknown) => failed(err, b, now, ctx));
  for (const rejected of page.rejected) {
    ctx.log.warn({ backfill: b.id, postId: rejected.id, reason: rejected.reason }, 'malformed post skipped');
  }
  const stored = await pageStore.storePage(db, {
    posts: page.posts,
    authors: page.authors,
    rejected: page.rejected.length,
    seenAt: now,
    spend: spendEntry(settings.prices, {
      at: now,
      endpoint: 'search/all',
      purpose: 'backfill',
      billable: page.billable,
      queryKey: backfillsRepository.backfillQueryKey(b.id),
      tagKeys: b.tagKeys,
    }),
    cursor: {
      advance: backfillsRepository.pageAdvance(b.id, b.version, {
        nextToken: page.nextToken ?? null,
        stored: page.posts.length,
        rejected: page.rejected.length,
      }),
    },
  });
  if (!stored.committed) {
    // Another run stored this page first and carries the back-fill on.
    ctx.log.debug({ backfill: b.id }, 'back-fill moved by another run; page dropped');
    return false;
  }
  if (stored.posts > 0) await nudge(queues, 'compute-rollups', {});
  if (page.nextToken !== undefined && page.rateLimit && page.rateLimit.remaining <= 0) {
    throw await ctx.rateLimited(page.rateLimit.resetAt);
  }
  return true;
}

async function finish(b: BackfillRow, ctx: JobCtx): Promise<void> {
  const { db, clock } = ctx.deps;
  // History's alerts read the roll-ups of every back-filled bucket: drain the outbox first.
  await computeRollups({}, ctx);
  // Each step is idempotent, so a crash between them redoes them at the next run.
  const gaps = await backfillsRepository.fillGaps(db, b, clock.now());
  const alerts = await recordHistoricalAlerts(ctx.deps, b);
  await backfillsRepository.markDone(db, b.id, clock.now());
  ctx.log.info({ backfill: b.id, posts: b.postsStored, gaps, alerts }, 'back-fill done');
}

/** A refusal X will repeat stops the back-fill with its reason; the rest retries as BullMQ's backoff says. */
async function failed(err: unknown, b: BackfillRow, now: Date, ctx: JobCtx): Promise<never> {
  if (err instanceof XRateLimitedError) throw await ctx.rateLimited(err.resetAt);
  if (err instanceof XUsageCappedError || err instanceof XAuthError || err instanceof XInvalidRequestError) {
    await backfillsRepository.failBackfill(ctx.deps.db, b.id, err.message, now);
    ctx.log.error({ backfill: b.id, err }, 'back-fill stopped: X refused it');
    throw new UnrecoverableError(err.message);
  }
  throw err;
}
