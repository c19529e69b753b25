import { randomUUID } from 'node:crypto';
import { createDb, hashtagsRepository } from '@tagpulse/db';
import { adminQuery, withDatabase } from '@tagpulse/testkit/db';
import { spawnWorker, type WorkerProcess, waitFor } from '@tagpulse/testkit/processes';
import { compareWithTruth } from '@tagpulse/testkit/truth';
import { startSim } from '@tagpulse/x-sim';
import { sql } from 'kysely';
import { scaleScenario, truthRoots } from './world.js';

export interface CaptureSetup {
  /** The server's URL and a migrated template database on it, cloned for each run. */
  databaseUrl: string;
  template: string;
  hashtags: string[];
  perHour: number;
  /** Hours of posts waiting when the workers start: the backlog they capture. */
  hours: number;
  redisUrl: string;
}

export interface CaptureResult {
  workers: number;
  /** Packed search queries the hashtags took. */
  queries: number;
  posts: number;
  seconds: number;
  postsPerSecond: number;
  lost: number;
  duplicated: number;
  /** The run's database (a clone; the caller drops it). */
  database: string;
}

const WINDOW_START = Date.parse('2024-01-01T00:00:00Z');

/**
 * `workers` worker processes capture the backlog of a world of many hashtags from an x-sim whose
 * search rate limit is raised out of the way, on a database of their own; timed from their start
 * until every post of the backlog is stored, then compared with x-sim's truth.
 */
export async function runCapture(setup: CaptureSetup, workers: number): Promise<CaptureResult> {
  const start = WINDOW_START + setup.hours * 3_600_000;
  // Real time: the backlog dwarfs what arrives during the run. No post is searchable yet later
  // than 60 s after its creation (steady's delay), so the backlog ends two minutes before `start`.
  const sim = await startSim({
    scenario: scaleScenario(setup.hashtags, setup.perHour),
    speed: 1,
    start,
    port: 0,
    access: 'enterprise',
    rateLimits: { search: 10_000_000, counts: 10_000_000, lookup: 10_000_000 },
  });
  const database = `tagpulse_bench_scale_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await adminQuery(setup.databaseUrl, `create database ${database} template ${setup.template}`);
  const url = withDatabase(setup.databaseUrl, database);
  const db = createDb({ url, max: 4, applicationName: 'tagpulse-bench-scale' });
  const processes: WorkerProcess[] = [];
  try {
    for (const tag of setup.hashtags)
      await hashtagsRepository.addHashtag(db, { key: tag.toLowerCase(), display: tag });
    const from = new Date(WINDOW_START);
    const cutoff = new Date(start - 120_000);
    const expected = await truthRoots(sim.url, setup.hashtags, from, cutoff);
    const env = {
      DATABASE_URL: url,
      REDIS_URL: setup.redisUrl,
      QUEUE_PREFIX: `bench-scale-${randomUUID()}`,
      X_API_BASE_URL: sim.url,
      X_CLOCK_URL: `${sim.url}/__sim/clock`,
      X_BEARER_TOKEN: 'bench-scale-bearer-token',
      X_ACCESS: 'enterprise',
      POLL_INTERVAL_MS: '200',
      CAPTURE_MAX_DELAY_SECONDS: '0',
      HASHTAG_SYNC_MS: '1000',
    };
    for (let i = 0; i < workers; i++) processes.push(spawnWorker(env));
    const stored = async () => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from posts where created_at >= ${from} and created_at < ${cutoff}`.execute(
        db,
      );
      return rows[0]?.n ?? 0;
    };
    // Timed from the first page stored: a worker's start (loading its modules) is not capture.
    let began: number | undefined;
    await waitFor(
      `${expected} posts stored by ${workers} worker(s)`,
      async () => {
        const exited = processes.find((p) => p.child.exitCode !== null);
        if (exited) throw new Error(`a worker exited: ${exited.output.join('').slice(-2_000)}`);
        const n = await stored();
        if (n > 0) began ??= performance.now();
        return n >= expected;
      },
      900_000,
      100,
    );
    const seconds = (performance.now() - (began ?? performance.now())) / 1000;
    await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    let lost = 0;
    let duplicated = 0;
    for (const hashtag of setup.hashtags) {
      const c = await compareWithTruth(db, sim.url, hashtag, from, cutoff);
      lost += c.missing.length + c.staleVersions.length;
      duplicated = c.duplicates.length;
    }
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from capture_cursors`.execute(db);
    const posts = await stored();
    return {
      workers,
      queries: rows[0]?.n ?? 0,
      posts,
      seconds,
      postsPerSecond: posts / seconds,
      lost,
      duplicated,
      database,
    };
  } finally {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await db.destroy();
    await sim.close();
  }
}
