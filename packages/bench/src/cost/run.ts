import { randomUUID } from 'node:crypto';
import { parseHashtag, SEED_HASHTAGS } from '@tagpulse/core';
import { createDb, cursorsRepository, type Database, hashtagsRepository } from '@tagpulse/db';
import { migrateToLatest } from '@tagpulse/migrations';
import type { SharedEnv } from '@tagpulse/runtime';
import { adminQuery, withDatabase } from '@tagpulse/testkit/db';
import { spawnWorker, type WorkerProcess, waitFor } from '@tagpulse/testkit/processes';
import { deletePrefix } from '@tagpulse/testkit/queue';
import { captureFreshness } from '@tagpulse/testkit/truth';
import { type Charge, PRICES_MICROS, type Sim, startSim, tokenFingerprint } from '@tagpulse/x-sim';
import { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';
import { type PolicySpend, policySpend } from './figures.js';

/** The week of `virtual-ct-week-2020` (6 July 00:00 to 13 July 00:00, New York). */
export const WEEK_START = Date.parse('2020-07-06T04:00:00Z');
const DAY_MS = 86_400_000;
/** Today's polling: every query every 15 s of X's time. */
export const FIXED_INTERVAL_MS = 15_000;
/** Past the span, until a cycle that began after it has read its last posts (search lags up to 90 s). */
const TAIL_MS = 6 * 60_000;
/** Real time the workers get to start before the first post of the span. */
const WARM_UP_REAL_MS = 20_000;

export interface CostBenchOptions {
  speed: number;
  days: number;
  maxDelaySeconds: number;
  /** Whether X bills a search that finds nothing (as one post read, the playground's reading) or not (the docs'). */
  emptySearch: 'billed' | 'free';
}

export interface PolicyResult {
  policy: 'cost-aware' | 'fixed';
  /** Search requests the worker's spend ledger recorded. */
  requests: number;
  spend: PolicySpend;
  /** Stored-at minus searchable-at of each stored post of the span, X seconds. */
  freshness: number[];
  lost: number;
}

export interface CostBenchResult {
  from: Date;
  to: Date;
  /** The scheduler's tick in X time (POLL_INTERVAL_MS × speed, at least 50 ms of real time). */
  tickMs: number;
  /** Posts search could return whose chain began in the span, deleted ones included. */
  searchable: number;
  minUsd: number;
  policies: PolicyResult[];
}

interface Capture {
  policy: PolicyResult['policy'];
  token: string;
  db: Kysely<Database>;
  name: string;
  prefix: string;
  worker?: WorkerProcess;
}

/**
 * Captures the span of the Virtual CT Week twice at once from one x-sim on
 * pay-per-use billing: a worker with cost-aware polling and one polling every
 * 15 s of X's time, each with its own bearer token (x-sim bills per token),
 * database and queues. Then x-sim's billing and ground truth say what each
 * paid and how fresh and complete it was.
 */
export async function runCostBench(
  env: SharedEnv,
  options: CostBenchOptions,
  progress: (line: string) => void,
): Promise<CostBenchResult> {
  const from = WEEK_START;
  const to = from + options.days * DAY_MS;
  const realTickMs = Math.max(50, Math.round(FIXED_INTERVAL_MS / options.speed));
  const template = `tagpulse_bench_cost_tpl_${randomUUID().slice(0, 8)}`;
  await adminQuery(env.DATABASE_URL, `create database ${template}`);
  const migrated = createDb({ url: withDatabase(env.DATABASE_URL, template), max: 1 });
  await migrateToLatest(migrated);
  await migrated.destroy();
  const captures: Capture[] = [];
  for (const policy of ['cost-aware', 'fixed'] as const) {
    const name = `tagpulse_bench_cost_${policy.replace('-', '_')}_${randomUUID().slice(0, 8)}`;
    await adminQuery(env.DATABASE_URL, `create database ${name} template ${template}`);
    const db = createDb({
      url: withDatabase(env.DATABASE_URL, name),
      max: 2,
      applicationName: 'tagpulse-bench-cost',
    });
    for (const tag of SEED_HASHTAGS) {
      const parsed = parseHashtag(tag);
      if (parsed.ok) await hashtagsRepository.addHashtag(db, parsed);
    }
    captures.push({
      policy,
      token: `bench-cost-${policy}-${randomUUID()}`,
      db,
      name,
      prefix: `bench-cost-${randomUUID()}`,
    });
  }
  const sim = await startSim({
    scenario: 'virtual-ct-week-2020',
    speed: options.speed,
    start: new Date(from - WARM_UP_REAL_MS * options.speed).toISOString(),
    port: 0,
    billEmptySearch: options.emptySearch === 'billed',
  });
  try {
    for (const c of captures) {
      c.worker = spawnWorker({
        DATABASE_URL: withDatabase(env.DATABASE_URL, c.name),
        REDIS_URL: env.REDIS_URL,
        QUEUE_PREFIX: c.prefix,
        X_API_BASE_URL: sim.url,
        X_BEARER_TOKEN: c.token,
        POLL_INTERVAL_MS: String(realTickMs),
        CAPTURE_MAX_DELAY_SECONDS: c.policy === 'fixed' ? '0' : String(options.maxDelaySeconds),
        X_PRICE_EMPTY_REQUEST: options.emptySearch === 'billed' ? String(PRICES_MICROS.post / 1e6) : '0',
      });
    }
    await followClock(sim, captures, to + TAIL_MS, progress);
    for (const c of captures) await cycleBegunAfter(c.db, to + TAIL_MS / 2);
    await Promise.all(captures.map((c) => c.worker?.kill('SIGTERM')));
    const charges = ((await (await fetch(new URL('/__sim/billing', sim.url))).json()) as { data: Charge[] })
      .data;
    const policies: PolicyResult[] = [];
    let searchable = 0;
    for (const c of captures) {
      const fresh = await captureFreshness(c.db, sim.url, [...SEED_HASHTAGS], new Date(from), new Date(to));
      searchable = fresh.searchable;
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from x_spend
        where endpoint = 'search/recent' and at >= ${new Date(from)} and at < ${new Date(to)}`.execute(c.db);
      policies.push({
        policy: c.policy,
        requests: rows[0]?.n ?? 0,
        // The warm-up before the span (workers starting, nothing posted yet) is left out.
        spend: policySpend(charges, tokenFingerprint(c.token), new Date(from)),
        freshness: fresh.seconds,
        lost: fresh.lost.length,
      });
    }
    return {
      from: new Date(from),
      to: new Date(to),
      tickMs: realTickMs * options.speed,
      searchable,
      minUsd: (searchable * PRICES_MICROS.post) / 1e6,
      policies,
    };
  } catch (err) {
    const output = captures.map((c) => `${c.policy}:\n${c.worker?.output.join('').slice(-2_000) ?? ''}`);
    throw new Error(`${(err as Error).message}\n${output.join('\n')}`);
  } finally {
    await Promise.all(captures.map((c) => c.worker?.kill('SIGKILL')));
    await sim.close();
    const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1 });
    for (const c of captures) {
      await c.db.destroy();
      await adminQuery(env.DATABASE_URL, `drop database if exists ${c.name} with (force)`).catch(() => {});
      await deletePrefix(redis, c.prefix).catch(() => {});
    }
    redis.disconnect();
    await adminQuery(env.DATABASE_URL, `drop database if exists ${template} with (force)`).catch(() => {});
  }
}

/** Waits for x-sim's clock to reach `until`, saying where it is every half minute; fails if a worker dies. */
async function followClock(sim: Sim, captures: Capture[], until: number, progress: (line: string) => void) {
  let said = Date.now();
  while (sim.clock.now() < until) {
    const dead = captures.find((c) => c.worker?.child.exitCode !== null);
    if (dead) throw new Error(`the ${dead.policy} worker exited with code ${dead.worker?.child.exitCode}`);
    if (Date.now() - said > 30_000) {
      said = Date.now();
      progress(`  x-sim at ${new Date(sim.clock.now()).toISOString()}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits until the query's last cycle began after `instant` and has read its last page. */
async function cycleBegunAfter(db: Kysely<Database>, instant: number): Promise<void> {
  await waitFor(`a cycle begun after ${new Date(instant).toISOString()}`, async () => {
    const [cursor] = await cursorsRepository.listCursors(db);
    return (
      cursor !== undefined &&
      cursor.cycle_until_id === null &&
      (cursor.cycle_started_at?.getTime() ?? 0) >= instant
    );
  });
}
