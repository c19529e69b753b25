import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { apiKeysRepository, createDb, hashtagsRepository, rollupsRepository } from '@tagpulse/db';
import { migrateToLatest } from '@tagpulse/migrations';
import { loadEnv } from '@tagpulse/runtime';
import autocannon from 'autocannon';
import { Command } from 'commander';
import pg from 'pg';
import { loadDataset, TRACKED } from '../bench/api-dataset.js';
import { printBench } from '../bench/report.js';
import { runCommand } from './run-command.js';

const BENCH_DB = 'tagpulse_bench_api';
const START = new Date('2026-08-01T00:00:00Z');
const DAYS = 90;

interface Options {
  posts: string;
  duration: string;
  connections: string;
  reuse?: boolean;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** The API in its own process, as deployed, so the load generator does not share its CPU. */
async function startApi(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const main = fileURLToPath(new URL('../main.ts', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, main, 'api'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${env.API_PORT}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the API exited with code ${child.exitCode}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the API did not become ready in 60 s');
}

async function measure(url: string, key: string | null, seconds: number, connections: number) {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    headers: key ? { authorization: `Bearer ${key}` } : {},
    // A slow route is measured, not dropped: only a minute without an answer counts as an error.
    timeout: 60,
  });
  if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} non-2xx responses`);
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

/**
 * `tagpulse bench api`: loads ≥10 M posts over 90 days with COPY, computes the
 * roll-ups, starts the API and measures it with autocannon: a 90-day hourly
 * series, a 7-day summary, top posts, and /healthz as the framework's ceiling.
 */
export function benchApiCommand(): Command {
  return new Command('api')
    .description(
      'load 10 M posts and measure the query API (series, summary, top posts) against a trivial route',
    )
    .option('--posts <n>', 'posts to load', '10000000')
    .option('--duration <s>', 'seconds per measured route', '10')
    .option('--connections <n>', 'concurrent connections', '10')
    .option('--reuse', `keep the ${BENCH_DB} database of an earlier run instead of loading it again`)
    .action((options: Options) =>
      runCommand(async () => {
        const env = loadEnv();
        const posts = Number(options.posts);
        const url = withDatabase(env.DATABASE_URL, BENCH_DB);
        const rows: Record<string, string | number>[] = [];
        if (!options.reuse) {
          await admin(env.DATABASE_URL, `drop database if exists ${BENCH_DB} with (force)`);
          await admin(env.DATABASE_URL, `create database ${BENCH_DB}`);
        }
        const db = createDb({ url, max: 8, applicationName: 'tagpulse-bench-api' });
        try {
          await migrateToLatest(db);
          if (!options.reuse) {
            for (const key of TRACKED) await hashtagsRepository.addHashtag(db, { key, display: key });
            const pool = new pg.Pool({ connectionString: url, max: 4 });
            let t = performance.now();
            await loadDataset(pool, { posts, authors: 200_000, start: START, days: DAYS }, 4);
            await pool.end();
            rows.push({ step: 'load (COPY)', posts, seconds: (performance.now() - t) / 1000 });
            t = performance.now();
            await rollupsRepository.backfill(db, { zones: ['UTC'], utc: true });
            rows.push({
              step: 'roll-ups from posts (5m, 1h, 1d, 1w)',
              posts,
              seconds: (performance.now() - t) / 1000,
            });
          }
          const { key } = await apiKeysRepository.createApiKey(db, { scope: 'read', name: 'bench' });
          const port = String(20_000 + Math.floor(Math.random() * 20_000));
          const { child, url: api } = await startApi({
            DATABASE_URL: url,
            API_PORT: port,
            API_RATE_LIMIT_PER_MINUTE: '100000000',
            LOG_LEVEL: 'warn',
          });
          try {
            const end = new Date(START.getTime() + DAYS * 86_400_000);
            const week = new Date(end.getTime() - 7 * 86_400_000).toISOString();
            // Cheapest first: a slow route's queries go on in Postgres after its measurement ends,
            // and would otherwise slow the routes measured after it.
            const routes = {
              trivial: '/healthz',
              series: `/v1/series?hashtag=VirtualCTWeek&metric=posts&interval=1h&from=${START.toISOString()}&to=${end.toISOString()}`,
              top_posts: `/v1/top/posts?hashtag=VirtualCTWeek&from=${week}&to=${end.toISOString()}&by=engagements&limit=10`,
              summary: `/v1/summary?hashtag=VirtualCTWeek&from=${week}&to=${end.toISOString()}`,
            };
            const seconds = Number(options.duration);
            const connections = Number(options.connections);
            const figures: Record<string, Awaited<ReturnType<typeof measure>>> = {};
            for (const [name, path] of Object.entries(routes)) {
              const auth = name === 'trivial' ? null : key;
              // A short warm-up, so the JIT and the Postgres cache are not what is measured.
              await measure(`${api}${path}`, auth, 2, connections);
              const { p50, p99, rps, done, errors } = await measure(
                `${api}${path}`,
                auth,
                seconds,
                connections,
              );
              figures[name] = { p50, p99, rps, done, errors };
              rows.push({ step: `GET ${name}`, p50_ms: p50, p99_ms: p99, rps, requests: done, errors });
            }
            const series = figures.series!;
            const trivial = figures.trivial!;
            printBench(`bench api: ${posts} posts over ${DAYS} days, ${connections} connections`, rows, {
              series_p50_ms: series.p50,
              series_p99_ms: series.p99,
              series_rps: series.rps,
              summary_p99_ms: p99OrNone(figures.summary!),
              top_posts_p99_ms: p99OrNone(figures.top_posts!),
              trivial_rps: trivial.rps,
              ratio: series.rps / trivial.rps,
            });
          } finally {
            child.kill('SIGTERM');
            await once(child, 'exit');
          }
        } finally {
          await db.destroy();
        }
      }),
    );
}
