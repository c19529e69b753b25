import { type BudgetState, budgetRepository, deliveriesRepository, spendLedger } from '@tagpulse/db';
import { channelKey } from '@tagpulse/notify';
import { nudge } from '@tagpulse/queue';
import type { JobCtx } from '../job-context.js';
import { billingMonth, budgetStep, noticesDue } from './budget-plan.js';

/**
 * Sets the month's spend against the budget (the one set at run time, else
 * X_MONTHLY_BUDGET_USD) and records the step capture is at; queues the 50, 80
 * and 100 % notices in the delivery ledger, each once per billing month.
 * Undefined when no budget applies.
 */
export async function checkBudget(ctx: JobCtx): Promise<BudgetState | undefined> {
  const { db, clock, settings, alerts, queues } = ctx.deps;
  const set = await budgetRepository.budgetSetting(db);
  const budgetUsd = set === undefined ? settings.monthlyBudgetUsd : set;
  const now = clock.now();
  const month = billingMonth(now);
  if (budgetUsd === undefined || budgetUsd === null) {
    await budgetRepository.clearBudgetState(db, month);
    return undefined;
  }
  const spentUsd = await spendLedger.monthSpend(db, now);
  const step = budgetStep(spentUsd, budgetUsd);
  let queued = 0;
  await db.transaction().execute(async (trx) => {
    const before = await budgetRepository.saveBudgetState(trx, { month, step, spentUsd, budgetUsd, at: now });
    if (before?.step !== step) {
      ctx.log.warn({ step, was: before?.step ?? null, spentUsd, budgetUsd }, 'capture budget step changed');
    }
    const channels = alerts.defaultChannels.map((c) => ({ key: channelKey(c), channel: c }));
    for (const pct of noticesDue(spentUsd, budgetUsd)) {
      const monthKey = month.toISOString().slice(0, 7);
      queued += await deliveriesRepository.enqueue(trx, {
        messageKey: `budget/${monthKey}/${pct}`,
        kind: 'budget',
        message: budgetNotice(pct, monthKey, spentUsd, budgetUsd, now),
        channels,
      });
    }
  });
  if (queued > 0) await nudge(queues, 'deliver-notifications', {});
  return budgetRepository.currentBudget(db, now);
}

const WHAT_HAPPENS: Record<number, string> = {
  50: 'Capture goes on as before.',
  80: 'Engagement refreshes are thinned now; at 90 % coverage checks run less often, at 95 % polling slows.',
  100: 'Capture is paused (recorded as a gap of cause budget) until the next billing month or a raised budget.',
};

function budgetNotice(pct: number, month: string, spentUsd: number, budgetUsd: number, at: Date) {
  const money = (usd: number) => `$${usd.toFixed(2)}`;
  return {
    subject: `[tagpulse] X spend at ${pct} % of the ${month} budget`,
    text: `tagpulse has spent ${money(spentUsd)} of its ${money(budgetUsd)} X budget for ${month} (${pct} % reached at ${at.toISOString()}). ${WHAT_HAPPENS[pct]}`,
    json: {
      kind: 'budget',
      threshold_pct: pct,
      month,
      spent_usd: spentUsd,
      budget_usd: budgetUsd,
      at: at.toISOString(),
    },
  };
}
