import { snowflakeTime } from '@tagpulse/core';
import { cursorsRepository, gapsRepository } from '@tagpulse/db';
import { createTestDatabase, type TestDatabase } from '@tagpulse/db/testing';
import { createRedis } from '@tagpulse/queue';
import { deletePrefix, testPrefix } from '@tagpulse/queue/testing';
import { loadEnv } from '@tagpulse/runtime';
import { type Sim, startSim } from '@tagpulse/x-sim';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEARCH_WINDOW_MS, WINDOW_MARGIN_MS } from './capture/poll-plan.js';
import type { QueryGroup } from './capture/query-groups.js';
import { seedHashtags } from './testing/harness.js';
import { compareSeedHashtags, EXACT, exact, waitForCycleAfter, workerEnv } from './testing/replay.js';
import { spawnWorker, type WorkerProcess, waitFor } from './testing/worker-process.js';

const redis = createRedis(loadEnv().REDIS_URL, 'producer', () => {});
let t: TestDatabase;
let sim: Sim;
let group: QueryGroup;
let prefix: string;
let workers: WorkerProcess[] = [];

beforeEach(async () => {
  t = await createTestDatabase();
  group = await seedHashtags(t.db);
  prefix = testPrefix();
});
afterEach(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  workers = [];
  await sim?.close();
  await deletePrefix(redis, prefix);
  await t.drop();
});
afterAll(() => redis.disconnect());

function start(): WorkerProcess {
  const worker = spawnWorker(workerEnv(t, sim, prefix));
  workers.push(worker);
  return worker;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a worker that dies', () => {
  it('loses and duplicates nothing when SIGKILLed mid-page again and again', async () => {
    // Slow answers keep requests in flight, so kills land between a request and its commit.
    sim = await startSim({
      scenario: 'virtual-ct-week-2020',
      speed: 1_800,
      start: '2020-07-06T20:00:00Z',
      faults: { slow: 0.3, slowMs: 150 },
      port: 0,
    });
    const version = async () => (await cursorsRepository.getCursor(t.db, group.queryKey))?.version ?? 0;
    for (const afterMs of [40, 110, 0, 160]) {
      const worker = start();
      const seen = await version();
      await waitFor('a page committed by this worker', async () => (await version()) > seen);
      await sleep(afterMs);
      await worker.kill('SIGKILL');
    }
    const end = new Date(sim.clock.now());
    start();
    await waitForCycleAfter(t.db, group.queryKey, end);
    expect(exact(await compareSeedHashtags(t.db, sim, end))).toEqual(EXACT);
  }, 240_000);

  it('records a gap with its cause and bounds when it was down longer than the search window', async () => {
    sim = await startSim({
      scenario: 'virtual-ct-week-2020',
      speed: 60,
      start: '2020-07-06T18:00:00Z',
      port: 0,
    });
    const first = start();
    await waitFor('a first completed poll', async () => {
      const c = await cursorsRepository.getCursor(t.db, group.queryKey);
      return c?.status === 'ok';
    });
    await first.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const cursor = await cursorsRepository.getCursor(t.db, group.queryKey);
    // Eight days pass with no worker running.
    sim.clock.set(sim.clock.now() + 8 * 86_400_000);
    const restartedAt = sim.clock.now();
    start();
    await waitFor('the gap', async () =>
      (await gapsRepository.listGaps(t.db)).some((g) => g.cause === 'worker_down'),
    );
    const [gap] = (await gapsRepository.listGaps(t.db, { tagKey: 'virtualctweek' })).filter(
      (g) => g.cause === 'worker_down',
    );
    expect(gap?.start_at).toEqual(new Date(snowflakeTime(cursor!.since_id!)));
    // The gap ends where search reaches back to (less its margin) when the worker came back.
    const reachedBackAt = gap!.end_at.getTime() + SEARCH_WINDOW_MS - WINDOW_MARGIN_MS;
    expect(reachedBackAt).toBeGreaterThanOrEqual(restartedAt);
    expect(reachedBackAt).toBeLessThanOrEqual(sim.clock.now());
    expect(gap?.tag_keys).toEqual(group.tagKeys);
  }, 120_000);
});
