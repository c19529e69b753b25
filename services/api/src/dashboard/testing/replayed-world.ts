import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseHashtag, SEED_HASHTAGS } from '@tagpulse/core';
import { hashtagsRepository } from '@tagpulse/db';
import { deletePrefix, testPrefix } from '@tagpulse/testkit/queue';
import { type Sim, startSim } from '@tagpulse/x-sim';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../../testing/test-app.js';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

/** The first day of Virtual CT Week until 17:00Z, when the opening sessions are over. */
export const WORLD_NOW = new Date('2020-07-06T17:00:00Z');

export interface ReplayedWorld {
  t: TestApp;
  sim: Sim;
  /** Where the API listens, dashboard included. */
  url: string;
  close(): Promise<void>;
}

/**
 * The API over a world captured as in production: a real `tagpulse worker` process polls
 * x-sim (clock frozen at {@link WORLD_NOW}) until the day so far is stored, rolled up and its
 * coverage measured, then stops, so the numbers stand still while a browser reads them.
 */
export async function startReplayedWorld(): Promise<ReplayedWorld> {
  const t = await startTestApp({ now: () => WORLD_NOW });
  for (const tag of SEED_HASHTAGS) {
    const parsed = parseHashtag(tag);
    if (parsed.ok) await hashtagsRepository.addHashtag(t.testDb.db, parsed);
  }
  const sim = await startSim({
    scenario: 'virtual-ct-week-2020',
    speed: 0,
    start: WORLD_NOW.toISOString(),
    port: 0,
  });
  const prefix = testPrefix();
  const worker = spawn(process.execPath, ['--import', 'tsx', 'services/worker/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      DATABASE_URL: t.testDb.url,
      QUEUE_PREFIX: prefix,
      X_API_BASE_URL: sim.url,
      X_CLOCK_URL: `${sim.url}/__sim/clock`,
      X_BEARER_TOKEN: 'dashboard-test-bearer-token-0123',
      POLL_INTERVAL_MS: '300',
      COVERAGE_INTERVAL_MS: '1000',
      ROLLUP_INTERVAL_MS: '300',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const errors: string[] = [];
  worker.stderr?.on('data', (chunk: Buffer) => errors.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  try {
    await waitUntilCaptured(t, 90_000);
    // Coverage first measured while the back-fill was still under way compares half a day
    // with X's counts; measured again now, it shows what a settled capture looks like.
    await sql`delete from capture_coverage`.execute(t.testDb.db);
    await waitUntilCaptured(t, 30_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${errors.join('').slice(-2000)}`);
  } finally {
    worker.kill('SIGTERM');
    await exited;
  }
  const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    t,
    sim,
    url,
    async close() {
      await sim.close();
      await deletePrefix(t.redis, prefix);
      await t.close();
    },
  };
}

/** The poll cycle done, every page rolled up, and X's counts compared for some hours. */
async function waitUntilCaptured(t: TestApp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await sql<{ cycles: number; stored: number; dirty: number; coverage: number }>`
      select
        (select count(*) from capture_cursors where cycle_until_id is null and last_success_at is not null)::int as cycles,
        (select coalesce(sum(posts_stored), 0) from capture_cursors)::int as stored,
        (select count(*) from rollup_dirty)::int as dirty,
        (select count(*) from capture_coverage)::int as coverage`.execute(t.testDb.db);
    const s = rows[0];
    if (s && s.cycles > 0 && s.stored > 100 && s.dirty === 0 && s.coverage > 0) return;
    if (Date.now() > deadline)
      throw new Error(`the worker did not capture the day in time: ${JSON.stringify(s)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
