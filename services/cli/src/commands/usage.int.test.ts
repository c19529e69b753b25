import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseHashtag, SEED_HASHTAGS } from '@tagpulse/core';
import { apiKeysRepository, hashtagsRepository } from '@tagpulse/db';
import { createRedis } from '@tagpulse/queue';
import { loadSharedEnv } from '@tagpulse/runtime';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { freePort } from '@tagpulse/testkit/net';
import { spawnWorker, stopCli, type WorkerProcess } from '@tagpulse/testkit/processes';
import { deletePrefix, testPrefix } from '@tagpulse/testkit/queue';
import { type Sim, startSim } from '@tagpulse/x-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TOKEN = 'usage-test-bearer-token-0123456';

// The first day of the week at 2400×, inside one UTC day: a day's capture (the 7-day back-fill, polls,
// late posts, +1 h refreshes, coverage) in under 30 s, whenever the worker process is up (a loaded
// machine takes 15 s or more to start it). The ledger dates a request by the capture clock when it is
// sent; across a UTC midnight X may date it to the next day, so the replay stays before midnight.
const START = '2020-07-06T04:00:00Z';
const END = Date.parse('2020-07-06T23:00:00Z');

let t: TestDatabase;
let sim: Sim;
let worker: WorkerProcess | undefined;
let api: { child: ChildProcess; url: string } | undefined;
const prefix = testPrefix();

/** `tagpulse api` in its own process, as deployed; once it answers. */
async function startApi(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/cli/src/main.ts', 'api'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${env.API_PORT}`;
  while (
    !(await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null) throw new Error(`the API exited with code ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, url };
}

beforeAll(async () => {
  t = await createTestDatabase();
  for (const tag of SEED_HASHTAGS) {
    const parsed = parseHashtag(tag);
    if (parsed.ok) await hashtagsRepository.addHashtag(t.db, parsed);
  }
  sim = await startSim({ scenario: 'virtual-ct-week-2020', speed: 2_400, start: START, port: 0 });
});
afterAll(async () => {
  await worker?.kill('SIGKILL');
  if (api) await stopCli(api.child);
  await sim?.close();
  const redis = createRedis(loadSharedEnv().REDIS_URL, 'worker', () => {});
  await deletePrefix(redis, prefix);
  redis.disconnect();
  await t?.drop();
});

describe('spend over a replayed day', () => {
  it('/v1/usage equals what x-sim billed, to the cent, and sets X’s own count beside it', async () => {
    worker = spawnWorker({
      DATABASE_URL: t.url,
      QUEUE_PREFIX: prefix,
      X_API_BASE_URL: sim.url,
      X_CLOCK_URL: `${sim.url}/__sim/clock`,
      X_BEARER_TOKEN: TOKEN,
      POLL_INTERVAL_MS: '300',
      REFRESH_INTERVAL_MS: '1000',
      COVERAGE_INTERVAL_MS: '2000',
      X_USAGE_INTERVAL_MS: '1000',
      ROLLUP_INTERVAL_MS: '1000',
    });
    while (sim.clock.now() < END) await new Promise((r) => setTimeout(r, 250));
    // A graceful stop: the requests under way commit what they brought, ledger rows included.
    await worker.kill('SIGTERM');
    expect(await worker.exited, worker.output.join('').slice(-3000)).toBe(0);

    const billing = (await (await fetch(`${sim.url}/__sim/billing`)).json()) as {
      data: { endpoint: string; amount_usd: number }[];
      total_usd: number;
    };
    expect(billing.total_usd, worker.output.join('')).toBeGreaterThan(1);
    // Refresh look-ups return posts already read today: X bills them nothing.
    expect(new Set(billing.data.map((c) => c.endpoint))).toEqual(
      new Set(['/2/tweets/search/recent', '/2/tweets/counts/recent']),
    );

    const port = await freePort();
    api = await startApi({
      DATABASE_URL: t.url,
      QUEUE_PREFIX: prefix,
      API_PORT: String(port),
      LOG_LEVEL: 'warn',
    });
    const { key } = await apiKeysRepository.createApiKey(t.db, { scope: 'read' });
    const res = await fetch(`${api.url}/v1/usage?tz=Europe/Vienna`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    const usage = (await res.json()) as {
      month: { usd: number; requests: number };
      today: { usd: number };
      by_purpose: { purpose: string; usd: number }[];
      by_query: { usd: number }[];
      days: { day: string; posts_billed: number; x_posts: number | null; disagrees: boolean }[];
      forecast_usd: number;
    };
    expect(Math.round(usage.month.usd * 100)).toBe(Math.round(billing.total_usd * 100));
    // Closer than the cent: every charge, to the micro-dollar.
    expect(usage.month.usd).toBeCloseTo(billing.total_usd, 6);
    expect(usage.today.usd).toBeCloseTo(billing.total_usd, 6);
    const purposes = Object.fromEntries(usage.by_purpose.map((p) => [p.purpose, p.usd]));
    expect(Object.keys(purposes)).toEqual(expect.arrayContaining(['coverage', 'poll', 'refresh', 'usage']));
    expect(purposes.refresh).toBe(0);
    const coverage = billing.data.filter((c) => c.endpoint === '/2/tweets/counts/recent');
    expect(purposes.coverage).toBeCloseTo(
      coverage.reduce((n, c) => n + c.amount_usd, 0),
      6,
    );
    expect(usage.forecast_usd).toBeGreaterThan(usage.month.usd);
    // X's own count of the day was fetched by the worker, and read beside ours.
    const day = usage.days.find((d) => d.day === '2020-07-06');
    expect(day?.x_posts).not.toBeNull();

    const cli = await run(process.execPath, ['--import', 'tsx', 'services/cli/src/main.ts', 'usage'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: t.url },
      timeout: 60_000,
    });
    expect(cli.stdout).toContain(`$${billing.total_usd.toFixed(4)}`);
    expect(cli.stdout).toMatch(/purpose poll/);
  }, 120_000);
});
