import { randomUUID } from 'node:crypto';
import { runCommand } from '@tagpulse/cli/run-command';
import { parseHashtag, SEED_HASHTAGS } from '@tagpulse/core';
import { apiKeysRepository, createDb, hashtagsRepository } from '@tagpulse/db';
import { migrateToLatest } from '@tagpulse/migrations';
import { loadSharedEnv } from '@tagpulse/runtime';
import { adminQuery, withDatabase } from '@tagpulse/testkit/db';
import { rssMb, spawnCli, startApi, stopCli } from '@tagpulse/testkit/processes';
import { loadScenario, startSim } from '@tagpulse/x-sim';
import autocannon from 'autocannon';
import { Command } from 'commander';
import { sql } from 'kysely';
import { printBench } from '../report.js';

const BENCH_DB = 'tagpulse_bench_load';
// The opening session of Virtual CT Week (its busiest hours), New York morning.
const START = '2020-07-06T13:00:00Z';
const DAY = { from: '2020-07-06T04:00:00Z', to: '2020-07-07T04:00:00Z' };

/** Least-squares slope of y over x (0 without spread in x). */
function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

interface Options {
  seconds: string;
  scale: string;
  speed: string;
  connections: string;
}

/**
 * `tagpulse bench load`: a worker captures virtual-ct-week-2020 with every
 * rate multiplied (10x by default) while autocannon's clients ask the API for
 * series, summaries and top posts; the resident memory of both processes is
 * read after a warm-up and at the end, with the pages stored in between, so
 * growth per page shows.
 */
export function benchLoadCommand(): Command {
  return new Command('load')
    .description(
      'capture at a multiple of the virtual CT week peak while clients load the API; memory before and after',
    )
    .option('--seconds <n>', 'seconds of load after the warm-up', '60')
    .option('--scale <n>', 'multiple of the scenario rates', '10')
    .option('--speed <n>', 'x-sim clock speed', '300')
    .option('--connections <n>', 'concurrent API clients', '20')
    .action((options: Options) =>
      runCommand(async () => {
        const env = loadSharedEnv();
        const url = withDatabase(env.DATABASE_URL, BENCH_DB);
        await adminQuery(env.DATABASE_URL, `drop database if exists ${BENCH_DB} with (force)`);
        await adminQuery(env.DATABASE_URL, `create database ${BENCH_DB}`);
        const db = createDb({ url, max: 2, applicationName: 'tagpulse-bench-load' });
        const base = loadScenario('virtual-ct-week-2020');
        const scale = Number(options.scale);
        const scenario = {
          ...base,
          baseline: { ...base.baseline, per_hour: base.baseline.per_hour * scale },
        };
        const sim = await startSim({ scenario, speed: Number(options.speed), start: START, port: 0 });
        try {
          await migrateToLatest(db);
          for (const tag of SEED_HASHTAGS) {
            const parsed = parseHashtag(tag);
            if (parsed.ok) await hashtagsRepository.addHashtag(db, parsed);
          }
          const { key } = await apiKeysRepository.createApiKey(db, { scope: 'read', name: 'bench load' });
          const processEnv = {
            DATABASE_URL: url,
            QUEUE_PREFIX: `bench-load-${randomUUID()}`,
            LOG_LEVEL: 'warn',
            API_RATE_LIMIT_PER_MINUTE: '100000000',
          };
          // Polls every half second, so a minute holds enough pages to see memory per page.
          const worker = spawnCli('worker', {
            ...processEnv,
            X_API_BASE_URL: sim.url,
            X_CLOCK_URL: `${sim.url}/__sim/clock`,
            POLL_INTERVAL_MS: '500',
          });
          const { child: api, url: apiUrl } = await startApi({
            ...processEnv,
            API_PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
          });
          try {
            const pages = async () => {
              const { rows } = await sql<{ pages: number; posts: number }>`
                select coalesce(sum(version), 0)::int8 as pages, (select count(*) from posts)::int8 as posts
                from capture_cursors`.execute(db);
              return rows[0] ?? { pages: 0, posts: 0 };
            };
            // Warm-up: the first poll backfills the day so far; modules load, caches fill.
            await new Promise((r) => setTimeout(r, 15_000));
            const before = {
              ...(await pages()),
              worker: await rssMb(worker.pid!),
              api: await rssMb(api.pid!),
              sim: sim.clock.now(),
            };
            const paths = [
              `/v1/series?hashtag=all&metric=posts,unique_authors&interval=5m&from=${DAY.from}&to=${DAY.to}`,
              `/v1/summary?hashtag=VirtualCTWeek&from=${DAY.from}&to=${DAY.to}&tz=America/New_York`,
              `/v1/top/posts?hashtag=all&from=${DAY.from}&to=${DAY.to}&limit=10`,
              `/v1/series?hashtag=UNCCTExpo&metric=posts&interval=1h&from=${DAY.from}&to=${DAY.to}&tz=America/New_York`,
            ];
            // Sampled each second during the load: growth per page is the slope, not two noisy readings.
            const samples: { pages: number; worker: number; api: number }[] = [];
            let sampling = true;
            const sampler = (async () => {
              while (sampling) {
                samples.push({
                  pages: (await pages()).pages,
                  worker: await rssMb(worker.pid!),
                  api: await rssMb(api.pid!),
                });
                await new Promise((r) => setTimeout(r, 1_000));
              }
            })();
            const load = await autocannon({
              url: `${apiUrl}${paths[0]}`,
              connections: Number(options.connections),
              duration: Number(options.seconds),
              headers: { authorization: `Bearer ${key}` },
              requests: paths.map((path) => ({ path })),
            });
            sampling = false;
            await sampler;
            const after = {
              ...(await pages()),
              worker: await rssMb(worker.pid!),
              api: await rssMb(api.pid!),
              sim: sim.clock.now(),
            };
            const pageCount = after.pages - before.pages;
            const posts = after.posts - before.posts;
            const seconds = Number(options.seconds);
            const errors = load.errors + load.timeouts + load.non2xx;
            const perThousand = (process: 'worker' | 'api') =>
              slope(samples.map((x) => [x.pages, x[process]])) * 1024 * 1000;
            printBench(
              `bench load: virtual-ct-week-2020 x${scale} at ${options.speed}x, ${options.connections} API clients for ${seconds} s`,
              [
                {
                  process: 'worker',
                  rss_before_mb: before.worker,
                  rss_after_mb: after.worker,
                  growth_mb: after.worker - before.worker,
                  kb_per_1000_pages: perThousand('worker'),
                },
                {
                  process: 'api',
                  rss_before_mb: before.api,
                  rss_after_mb: after.api,
                  growth_mb: after.api - before.api,
                  kb_per_1000_pages: perThousand('api'),
                },
                { process: 'capture', pages: pageCount, posts_stored: posts, posts_per_s: posts / seconds },
                {
                  process: 'api load',
                  requests: load.requests.total,
                  rps: load.requests.average,
                  p50_ms: load.latency.p50,
                  p99_ms: load.latency.p99,
                  errors,
                },
              ],
              {
                posts_per_s: posts / seconds,
                pages: pageCount,
                api_rps: load.requests.average,
                api_p99_ms: load.latency.p99,
                api_error_rate: load.requests.total > 0 ? errors / load.requests.total : 0,
                worker_rss_growth_mb: after.worker - before.worker,
                api_rss_growth_mb: after.api - before.api,
                worker_kb_per_1000_pages: perThousand('worker'),
                samples: samples.length,
              },
            );
          } finally {
            await Promise.all([stopCli(worker), stopCli(api)]);
          }
        } finally {
          await sim.close();
          await db.destroy();
          await adminQuery(env.DATABASE_URL, `drop database if exists ${BENCH_DB} with (force)`);
        }
      }),
    );
}
