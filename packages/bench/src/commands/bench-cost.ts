import { runCommand } from '@tagpulse/cli/run-command';
import { loadSharedEnv } from '@tagpulse/runtime';
import { Command, InvalidArgumentError } from 'commander';
import { percentile } from '../cost/figures.js';
import { type CostBenchOptions, FIXED_INTERVAL_MS, runCostBench } from '../cost/run.js';
import { printBench } from '../report.js';

function positive(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function emptySearch(value: string): CostBenchOptions['emptySearch'] {
  if (value !== 'billed' && value !== 'free') throw new InvalidArgumentError('expected billed or free');
  return value;
}

/**
 * `tagpulse bench cost`: the Virtual CT Week captured end to end from x-sim on
 * pay-per-use billing, by a worker with cost-aware polling and, in the same
 * run, one polling every 15 s of X's time (today's policy, the baseline).
 * Cost is what x-sim billed each worker's searches; the floor is reading each
 * of the week's searchable posts once.
 */
export function benchCostCommand(): Command {
  return new Command('cost')
    .description(
      'what capture of the Virtual CT Week costs on pay-per-use X, cost-aware polling against fixed 15 s',
    )
    .option(
      '--speed <n>',
      'x-sim clock speed (X seconds per real second); the 15 s tick needs ≤ 300',
      positive,
      300,
    )
    .option('--days <n>', 'days of the week to capture, from its start', positive, 7)
    .option('--max-delay <s>', 'CAPTURE_MAX_DELAY_SECONDS of the cost-aware worker', positive, 180)
    .option(
      '--empty-search <how>',
      'how x-sim bills a search that finds nothing: billed | free',
      emptySearch,
      'billed',
    )
    .action(
      (options: {
        speed: number;
        days: number;
        maxDelay: number;
        emptySearch: CostBenchOptions['emptySearch'];
      }) =>
        runCommand(async () => {
          const started = Date.now();
          const result = await runCostBench(
            loadSharedEnv(),
            {
              speed: options.speed,
              days: options.days,
              maxDelaySeconds: options.maxDelay,
              emptySearch: options.emptySearch,
            },
            (line) => console.error(line),
          );
          const [aware, fixed] = result.policies;
          if (!aware || !fixed) throw new Error('the bench lost a policy');
          const ratio = (usd: number) => (result.minUsd > 0 ? usd / result.minUsd : 0);
          const spanS = (result.to.getTime() - result.from.getTime()) / 1_000;
          const rows = result.policies.map((p) => ({
            policy:
              p.policy === 'fixed'
                ? `fixed ${FIXED_INTERVAL_MS / 1_000} s`
                : `cost-aware ≤ ${options.maxDelay} s`,
            requests: p.requests,
            'mean interval s': p.requests > 0 ? spanS / p.requests : 0,
            'empty billed': p.spend.emptySearches,
            'posts billed': p.spend.postsBilled,
            'search usd': p.spend.searchUsd,
            'cost ratio': ratio(p.spend.searchUsd),
            'ratio if empty free': ratio(p.spend.searchUsd - p.spend.emptyUsd),
            'fresh p50 s': percentile(p.freshness, 50),
            'fresh p95 s': percentile(p.freshness, 95),
            'fresh max s': percentile(p.freshness, 100),
            lost: p.lost,
            'other usd': p.spend.otherUsd,
          }));
          printBench(
            `bench cost: virtual-ct-week-2020, ${options.days} day(s) from ${result.from.toISOString()} at ${options.speed}x ` +
              `(tick ${result.tickMs / 1_000} s of X time), pay-per-use, empty search ${options.emptySearch}; ` +
              `${result.searchable} searchable posts, floor $${result.minUsd.toFixed(3)}; ` +
              `${((Date.now() - started) / 1_000).toFixed(0)} s`,
            rows,
            {
              billed_usd: aware.spend.searchUsd,
              min_usd: result.minUsd,
              cost_ratio: ratio(aware.spend.searchUsd),
              freshness_p95_s: percentile(aware.freshness, 95),
              lost: aware.lost,
              baseline_cost_ratio: ratio(fixed.spend.searchUsd),
              baseline_freshness_p95_s: percentile(fixed.freshness, 95),
            },
          );
        }),
    );
}
