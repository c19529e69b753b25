import { budgetRepository, createDb, type SpendTotals, spendLedger } from '@tagpulse/db';
import { loadSharedEnv } from '@tagpulse/runtime';
import { Command } from 'commander';
import { runCommand } from './run-command.js';

const usd = (x: number) => `$${x.toFixed(4)}`;
const line = (label: string, t: SpendTotals) =>
  `${label.padEnd(28)} ${usd(t.usd).padStart(12)}  ${String(t.requests).padStart(7)} requests  ${String(t.postsBilled).padStart(8)} posts billed (${t.postsReturned} returned)  ${t.countsRequests} counts`;

function parseBudget(value: string): number | null {
  if (value === 'none') return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`--budget: expected an amount in USD or "none", got ${JSON.stringify(value)}`);
  return n;
}

export function usageCommand(): Command {
  return new Command('usage')
    .description(
      'what capture spent on X: today, this month, the forecast, by query and purpose, beside X’s own count',
    )
    .option('--budget <usd>', 'set the monthly budget (workers follow without a restart), or "none"')
    .option('--days <n>', 'days of the per-day list', '7')
    .action((options: { budget?: string; days: string }) =>
      runCommand(async () => {
        const budget = options.budget === undefined ? undefined : parseBudget(options.budget);
        const days = Number(options.days);
        if (!Number.isInteger(days) || days < 1 || days > 90) throw new Error('--days: expected 1 to 90');
        const db = createDb({ url: loadSharedEnv().DATABASE_URL, max: 1, applicationName: 'tagpulse-usage' });
        try {
          if (budget !== undefined) {
            await budgetRepository.setBudget(db, budget);
            console.log(budget === null ? 'monthly budget removed' : `monthly budget set to ${usd(budget)}`);
          }
          const asOf = (await spendLedger.lastSpendAt(db)) ?? new Date();
          const s = await spendLedger.spendSummary(db, { asOf, days });
          const state = await budgetRepository.currentBudget(db, asOf);
          console.log(`X spend as of ${s.asOf.toISOString()} (UTC billing days and months)`);
          console.log(line(`today (${s.dayStart.toISOString().slice(0, 10)})`, s.today));
          console.log(line(`month (${s.monthStart.toISOString().slice(0, 7)})`, s.month));
          console.log(`${'forecast to the month’s end'.padEnd(28)} ${usd(s.forecastUsd).padStart(12)}`);
          if (state) {
            console.log(
              `${'budget'.padEnd(28)} ${usd(state.budgetUsd).padStart(12)}  ${Math.round((100 * state.spentUsd) / (state.budgetUsd || 1))} % used, capture ${state.step}`,
            );
          }
          for (const q of s.byQuery) console.log(line(`query ${q.queryKey ?? '(none)'}`, q));
          for (const p of s.byPurpose) console.log(line(`purpose ${p.purpose}`, p));
          for (const d of s.days) {
            const x =
              d.xPosts === null
                ? 'X: not fetched'
                : `X: ${d.xPosts} posts${d.xPosts === d.postsBilled ? '' : '  DIFFERS'}`;
            console.log(
              `${`day ${d.day.toISOString().slice(0, 10)}`.padEnd(28)} ${usd(d.usd).padStart(12)}  ${d.postsBilled} posts billed  ${x}`,
            );
          }
        } finally {
          await db.destroy();
        }
      }),
    );
}
