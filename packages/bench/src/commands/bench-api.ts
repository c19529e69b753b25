import { runCommand } from '@tagpulse/cli/run-command';
import {
  apiKeysRepository,
  createDb,
  type Database,
  hashtagsRepository,
  rollupOutbox,
  rollupsRepository,
} from '@tagpulse/db';
import { migrateToLatest } from '@tagpulse/migrations';
import { loadSharedEnv } from '@tagpulse/runtime';
import { adminQuery, withDatabase } from '@tagpulse/testkit/db';
import { startApi, stopCli } from '@tagpulse/testkit/processes';
import autocannon from 'autocannon';
import { Command } from 'commander';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { loadDataset, TRACKED } from '../api-dataset.js';
import { printBench } from '../report.js';

const START = new Date('2026-08-01T00:00:00Z');
const DAYS = 90;

interface Options {
  posts: string;
  duration: string;
  connections: string;
  reuse?: boolean;
  database: string;
}

/** A route's path: the same every time, or a new one per request (so no answer is cached). */
type PathOf = string | ((n: number) => string);

async function measure(api: string, path: PathOf, key: string | null, seconds: number, connections: number) {
  let n = 0;
  const result = await autocannon({
    url: `${api}${typeof path === 'string' ? path : path(0)}`,
    ...(typeof path === 'function'
      ? {
          requests: [
            {
              setupRequest: (request) => {
                n += 1;
                return { ...request, path: path(n) };
              },
            },
          ],
        }
      : {}),
    connections,
    duration: seconds,
    headers: key ? { authorization: `Bearer ${key}` } : {},
    // A slow route is measured, not dropped: only a minute without an answer counts as an error.
    timeout: 60,
  });
  if (result.non2xx > 0)
    throw new Error(`${api}${typeof path === 'string' ? path : path(0)}: ${result.non2xx} non-2xx responses`);
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
    done: result.requests.total,
    errors: result.errors + result.timeouts,
  };
}

/** A route with no answer inside the measured window has no percentile, not a 0 ms one. */
function p99OrNone(figure: { p99: number; done: number }): number | string {
  return figure.done > 0 ? figure.p99 : 'none';
}

async function rollUp(
  db: Kysely<Database>,
  posts: number,
  rows: Record<string, string | number>[],
): Promise<void> {
  const t = performance.now();
  // Two chunks at once: one in Postgres while the other's rows are written or planned.
  await rollupsRepository.backfill(db, { zones: ['UTC'], utc: true, parallel: 2 });
  rows.push({ step: 'roll-ups from posts (5m, 1h, 1d, 1w)', posts, seconds: (performance.now() - t) / 1000 });
}

/**
 * `tagpulse bench api`: loads ≥10 M posts over 90 days with COPY, computes the
 * roll-ups, starts the API and measures it with autocannon: a 90-day hourly
 * series, a 7-day summary and top posts, each asked again and again (answered
 * from the response cache) and asked anew each time (computed), and /healthz
 * as the framework's ceiling.
 */
export function benchApiCommand(): Command {
  return new Command('api')
    .description(
      'load 10 M posts and measure the query API (series, summary, top posts) against a trivial route',
    )
    .option('--posts <n>', 'posts to load', '10000000')
    .option('--duration <s>', 'seconds per measured route', '10')
    .option('--connections <n>', 'concurrent connections', '10')
    .option('--database <name>', 'the database it loads (dropped first unless --reuse)', 'tagpulse_bench_api')
    .option('--reuse', 'keep the database of an earlier run instead of loading it again')
    .action((options: Options) =>
      runCommand(async () => {
        const env = loadSharedEnv();
        const posts = Number(options.posts);
        const bench = options.database;
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(bench))
          throw new Error(`--database: not a plain database name: ${bench}`);
        const url = withDatabase(env.DATABASE_URL, bench);
        const rows: Record<string, string | number>[] = [];
        if (!options.reuse) {
          await adminQuery(env.DATABASE_URL, `drop database if exists ${bench} with (force)`);
          await adminQuery(env.DATABASE_URL, `create database ${bench}`);
        }
        const db = createDb({ url, max: 8, applicationName: 'tagpulse-bench-api' });
        try {
          await migrateToLatest(db);
          if (options.reuse) {
            // A load stopped after its COPY (its roll-up transactions rolled back) resumes there.
            const rolledUp = await db
              .selectFrom('rollups')
              .select('bucket_start')
              .limit(1)
              .executeTakeFirst();
            if (!rolledUp) await rollUp(db, posts, rows);
            // A migration may have marked history for the roll-up job, which is not running here.
            const t = performance.now();
            let buckets = 0;
            for (let n = 1; n > 0; buckets += n) n = await rollupOutbox.recomputeDirty(db, 2_000);
            rows.push({ step: 'roll-up outbox drained', buckets, seconds: (performance.now() - t) / 1000 });
          } else {
            for (const key of TRACKED) await hashtagsRepository.addHashtag(db, { key, display: key });
            const pool = new pg.Pool({ connectionString: url, max: 4 });
            const t = performance.now();
            await loadDataset(pool, { posts, authors: 200_000, start: START, days: DAYS }, 4);
            await pool.end();
            rows.push({ step: 'load (COPY)', posts, seconds: (performance.now() - t) / 1000 });
            await rollUp(db, posts, rows);
          }
          // Index-only scans need the visibility map that VACUUM writes.
          await sql`vacuum analyze`.execute(db);
          const { key } = await apiKeysRepository.createApiKey(db, { scope: 'read', name: 'bench' });
          const port = String(20_000 + Math.floor(Math.random() * 20_000));
          const { child, url: api } = await startApi({
            DATABASE_URL: url,
            API_PORT: port,
            API_RATE_LIMIT_PER_MINUTE: '100000000',
            LOG_LEVEL: 'warn',
          });
          try {
            const end = new Date(START.getTime() + DAYS * 86_400_000).toISOString();
            const week = new Date(Date.parse(end) - 7 * 86_400_000);
            // The same question every time (a dashboard refreshing: answered from the response
            // cache), and a new one each time (`from` moves by a second: computed from Postgres).
            const shifted = (start: Date, n: number) => new Date(start.getTime() + n * 1000).toISOString();
            const series = (from: string) =>
              `/v1/series?hashtag=VirtualCTWeek&metric=posts&interval=1h&from=${from}&to=${end}`;
            const topPosts = (from: string) =>
              `/v1/top/posts?hashtag=VirtualCTWeek&from=${from}&to=${end}&by=engagements&limit=10`;
            const summary = (from: string) => `/v1/summary?hashtag=VirtualCTWeek&from=${from}&to=${end}`;
            const routes: Record<string, PathOf> = {
              trivial: '/healthz',
              series: series(START.toISOString()),
              series_uncached: (n) => series(shifted(START, n)),
              top_posts: topPosts(week.toISOString()),
              top_posts_uncached: (n) => topPosts(shifted(week, n)),
              summary: summary(week.toISOString()),
              summary_uncached: (n) => summary(shifted(week, n)),
            };
            const seconds = Number(options.duration);
            const connections = Number(options.connections);
            const figures: Record<string, Awaited<ReturnType<typeof measure>>> = {};
            for (const [name, path] of Object.entries(routes)) {
              const auth = name === 'trivial' ? null : key;
              // A short warm-up, so the JIT and the Postgres cache are not what is measured.
              await measure(api, path, auth, 2, connections);
              const { p50, p99, rps, done, errors } = await measure(api, path, auth, seconds, connections);
              figures[name] = { p50, p99, rps, done, errors };
              rows.push({ step: `GET ${name}`, p50_ms: p50, p99_ms: p99, rps, requests: done, errors });
            }
            const cached = figures.series!;
            const uncached = figures.series_uncached!;
            const trivial = figures.trivial!;
            printBench(`bench api: ${posts} posts over ${DAYS} days, ${connections} connections`, rows, {
              series_p50_ms: cached.p50,
              series_p99_ms: cached.p99,
              series_rps: cached.rps,
              trivial_rps: trivial.rps,
              ratio: cached.rps / trivial.rps,
              series_uncached_p50_ms: uncached.p50,
              series_uncached_p99_ms: uncached.p99,
              series_uncached_rps: uncached.rps,
              ratio_uncached: uncached.rps / trivial.rps,
              summary_p99_ms: p99OrNone(figures.summary!),
              summary_uncached_p99_ms: p99OrNone(figures.summary_uncached!),
              top_posts_p99_ms: p99OrNone(figures.top_posts!),
              top_posts_uncached_p99_ms: p99OrNone(figures.top_posts_uncached!),
            });
          } finally {
            await stopCli(child);
          }
        } finally {
          await db.destroy();
        }
      }),
    );
}
