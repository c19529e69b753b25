import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { runCommand } from '@tagpulse/cli/run-command';
import { apiKeysRepository, createDb } from '@tagpulse/db';
import { migrateToLatest } from '@tagpulse/migrations';
import { adminQuery, withDatabase } from '@tagpulse/testkit/db';
import { freePort } from '@tagpulse/testkit/net';
import { startApi, stopCli } from '@tagpulse/testkit/processes';
import { Command } from 'commander';
import { loadBenchEnv } from '../env.js';
import { type Figure, printBench } from '../report.js';
import { apiRps } from '../scale/api-load.js';
import { type CaptureResult, runCapture } from '../scale/capture.js';
import { scaleHashtags } from '../scale/world.js';

interface Options {
  hashtags: string;
  perHour: string;
  hours: string;
  apiSeconds: string;
  connections: string;
}

/**
 * `tagpulse bench scale`: hundreds of hashtags (packed into as few search queries as X's query
 * length allows) captured from an x-sim with its rate limits raised, by one worker process and
 * then by three, each from an empty database: both must store exactly x-sim's truth; then the
 * query API, one process and then two over the same database and Redis. Ratios are against the
 * one-process run of the same invocation. On a machine of few cores the ratios are bounded by
 * them (workers, API, PostgreSQL, Redis, x-sim and the load generator share them): the cores are
 * printed beside the figures.
 */
export function benchScaleCommand(): Command {
  return new Command('scale')
    .description('capture many hashtags with 1 then 3 workers, and serve with 1 then 2 API processes')
    .option('--hashtags <n>', 'tracked hashtags', '300')
    .option('--per-hour <n>', 'posts an hour over all of them', '6000')
    .option('--hours <n>', 'hours of posts waiting when the workers start', '2')
    .option('--api-seconds <n>', 'seconds of load per API measurement', '10')
    .option('--connections <n>', 'concurrent connections to the API, in all', '20')
    .action((options: Options) =>
      runCommand(async () => {
        const env = loadBenchEnv();
        const hashtags = scaleHashtags(Number(options.hashtags));
        const template = `tagpulse_bench_scale_tpl_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
        await adminQuery(env.DATABASE_URL, `create database ${template}`);
        const databases = [template];
        try {
          const migrating = createDb({ url: withDatabase(env.DATABASE_URL, template), max: 1 });
          await migrateToLatest(migrating).finally(() => migrating.destroy());
          const setup = {
            databaseUrl: env.DATABASE_URL,
            template,
            hashtags,
            perHour: Number(options.perHour),
            hours: Number(options.hours),
            redisUrl: env.REDIS_URL,
          };
          const captures: CaptureResult[] = [];
          for (const workers of [1, 3]) {
            const result = await runCapture(setup, workers);
            databases.push(result.database);
            captures.push(result);
            console.error(
              `  ${workers} worker(s): ${result.posts} posts in ${result.seconds.toFixed(1)} s from the first page`,
            );
          }
          const [one, three] = captures as [CaptureResult, CaptureResult];
          const api = await measureApi(withDatabase(env.DATABASE_URL, three.database), hashtags, options);
          const rows: Record<string, Figure>[] = [
            ...captures.map((c) => ({
              run: `capture, ${c.workers} worker(s)`,
              queries: c.queries,
              posts: c.posts,
              seconds: c.seconds,
              per_s: c.postsPerSecond,
              lost: c.lost,
              duplicated: c.duplicated,
            })),
            ...api.map((a) => ({ run: `API, ${a.processes} process(es)`, per_s: a.rps })),
          ];
          const [api1, api2] = api as [(typeof api)[number], (typeof api)[number]];
          printBench(
            `bench scale: ${hashtags.length} hashtags, ${options.hours} h backlog at ${options.perHour} posts/h; ` +
              `${availableParallelism()} cores shared by every process here (load ${loadavg()[0]?.toFixed(1)}), ` +
              'so the ratios are bounded by the cores, not by tagpulse',
            rows,
            {
              workers_1_posts_per_s: one.postsPerSecond,
              workers_3_posts_per_s: three.postsPerSecond,
              worker_ratio: three.postsPerSecond / one.postsPerSecond,
              api_1_rps: api1.rps,
              api_2_rps: api2.rps,
              api_ratio: api2.rps / api1.rps,
              lost: one.lost + three.lost,
              duplicated: one.duplicated + three.duplicated,
            },
          );
          if (one.lost + three.lost + one.duplicated + three.duplicated > 0) process.exitCode = 1;
        } finally {
          for (const name of databases.reverse()) {
            await adminQuery(env.DATABASE_URL, `drop database if exists ${name} with (force)`).catch(
              () => {},
            );
          }
        }
      }),
    );
}

/** Requests per second of one API process, then of two, over the captured database. */
async function measureApi(
  url: string,
  hashtags: string[],
  options: Options,
): Promise<{ processes: number; rps: number }[]> {
  const db = createDb({ url, max: 1 });
  const { key } = await apiKeysRepository.createApiKey(db, { scope: 'read', name: 'bench scale' });
  await db.destroy();
  // A team's dashboards over twenty of the hashtags: each question computed once, then from the
  // cache, so what is measured is the processes, not one query of PostgreSQL.
  const paths = hashtags
    .slice(0, 20)
    .map((tag) => `/v1/summary?hashtag=${tag}&from=2024-01-01T00:00:00Z&to=2024-01-01T12:00:00Z`);
  const env = {
    DATABASE_URL: url,
    QUEUE_PREFIX: `bench-scale-${randomUUID()}`,
    API_RATE_LIMIT_PER_MINUTE: '100000000',
    LOG_LEVEL: 'warn',
  };
  const apis: Awaited<ReturnType<typeof startApi>>[] = [];
  const results: { processes: number; rps: number }[] = [];
  const load = { seconds: Number(options.apiSeconds), connections: Number(options.connections) };
  try {
    for (const processes of [1, 2]) {
      while (apis.length < processes)
        apis.push(await startApi({ ...env, API_PORT: String(await freePort()) }));
      const urls = apis.map((a) => a.url);
      // Warm-up: modules compiled, every answer cached in every process.
      await apiRps(urls, key, paths, { seconds: 2, connections: load.connections });
      results.push({ processes, rps: await apiRps(urls, key, paths, load) });
    }
  } finally {
    await Promise.all(apis.map((a) => stopCli(a.child)));
  }
  return results;
}
