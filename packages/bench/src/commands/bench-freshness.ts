import { randomUUID } from 'node:crypto';
import { runCommand } from '@tagpulse/cli/run-command';
import { createDb, hashtagsRepository, rollupOutbox } from '@tagpulse/db';
import { migrateToLatest } from '@tagpulse/migrations';
import { adminQuery, withDatabase } from '@tagpulse/testkit/db';
import { spawnCli, stopCli } from '@tagpulse/testkit/processes';
import { startSim } from '@tagpulse/x-sim';
import { Command } from 'commander';
import { sql } from 'kysely';
import { loadBenchEnv } from '../env.js';
import { printBench } from '../report.js';

const BENCH_DB = 'tagpulse_bench_freshness';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * `tagpulse bench freshness`: a worker captures x-sim's `steady` world while
 * the roll-up lag (how long the oldest stored change has waited for its
 * roll-ups, the figure /metrics exports) is sampled every 100 ms. The
 * baseline is the poll interval: how stale a post may already be when stored.
 */
export function benchFreshnessCommand(): Command {
  return new Command('freshness')
    .description('measure the roll-up lag while a worker captures the steady scenario')
    .option('--seconds <n>', 'seconds of capture to sample', '60')
    .option('--speed <n>', 'x-sim clock speed (simulated seconds per real second)', '60')
    .action((options: { seconds: string; speed: string }) =>
      runCommand(async () => {
        const env = loadBenchEnv();
        const url = withDatabase(env.DATABASE_URL, BENCH_DB);
        await adminQuery(env.DATABASE_URL, `drop database if exists ${BENCH_DB} with (force)`);
        await adminQuery(env.DATABASE_URL, `create database ${BENCH_DB}`);
        const db = createDb({ url, max: 2, applicationName: 'tagpulse-bench-freshness' });
        const sim = await startSim({ scenario: 'steady', speed: Number(options.speed), port: 0 });
        try {
          await migrateToLatest(db);
          for (const tag of ['SteadyTag', 'OtherTag']) {
            await hashtagsRepository.addHashtag(db, { key: tag.toLowerCase(), display: tag });
          }
          const worker = spawnCli('worker', {
            DATABASE_URL: url,
            X_API_BASE_URL: sim.url,
            X_CLOCK_URL: `${sim.url}/__sim/clock`,
            QUEUE_PREFIX: `bench-freshness-${randomUUID()}`,
            LOG_LEVEL: 'warn',
          });
          const lags: number[] = [];
          try {
            const end = Date.now() + Number(options.seconds) * 1000;
            while (Date.now() < end) {
              if (worker.exitCode !== null) throw new Error(`the worker exited with code ${worker.exitCode}`);
              lags.push(await rollupOutbox.lagSeconds(db));
              await new Promise((r) => setTimeout(r, 100));
            }
          } finally {
            await stopCli(worker);
          }
          const { rows } = await sql<{ posts: number }>`select count(*) as posts from posts`.execute(db);
          const posts = rows[0]?.posts ?? 0;
          const sorted = [...lags].sort((a, b) => a - b);
          const pollSeconds = env.POLL_INTERVAL_MS / 1000;
          const figures = {
            posts,
            samples: sorted.length,
            lag_p50_s: percentile(sorted, 50),
            lag_p99_s: percentile(sorted, 99),
            lag_max_s: sorted.at(-1) ?? 0,
            poll_interval_s: pollSeconds,
            max_vs_poll: (sorted.at(-1) ?? 0) / pollSeconds,
          };
          printBench(
            `bench freshness: steady at ${options.speed}x for ${options.seconds} s, roll-up lag sampled every 100 ms`,
            [
              { figure: 'posts stored', value: posts },
              { figure: 'lag p50 (s)', value: figures.lag_p50_s },
              { figure: 'lag p99 (s)', value: figures.lag_p99_s },
              { figure: 'lag max (s)', value: figures.lag_max_s },
              { figure: 'poll interval (s)', value: pollSeconds },
            ],
            figures,
          );
        } finally {
          await sim.close();
          await db.destroy();
          await adminQuery(env.DATABASE_URL, `drop database if exists ${BENCH_DB} with (force)`);
        }
      }),
    );
}
