import { createTestDatabase, type TestDatabase } from '@tagpulse/db/testing';
import { createRedis } from '@tagpulse/queue';
import { deletePrefix, testPrefix } from '@tagpulse/queue/testing';
import { loadEnv } from '@tagpulse/runtime';
import { type Sim, startSim } from '@tagpulse/x-sim';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueryGroup } from './capture/query-groups.js';
import { seedHashtags } from './testing/harness.js';
import { compareSeedHashtags, EXACT, exact, waitForCycleAfter, workerEnv } from './testing/replay.js';
import { spawnWorker, type WorkerProcess } from './testing/worker-process.js';

// Half a day backfilled, then the clock runs at 3600×: the rest of a day of the week in about 12 s.
const REPLAY = {
  scenario: 'virtual-ct-week-2020',
  speed: 3_600,
  start: '2020-07-06T16:00:00Z',
  port: 0,
} as const;
const DAY_END = new Date('2020-07-07T04:00:00Z');
// 503s, slow answers and 429s (15 simulated minutes pass in 0.25 s; the windows are kept spent, see below).
const FAULTS = { unavailable: 0.1, slow: 0.1, slowMs: 300 };
const RATE_LIMITS = { search: 4 };

const redis = createRedis(loadEnv().REDIS_URL, 'producer', () => {});
let t: TestDatabase;
let sim: Sim;
let group: QueryGroup;
let prefix: string;
let workers: WorkerProcess[] = [];
let statuses: Map<number, number>;
const onResponse = ({ url, status }: { url: URL; status: number }) => {
  if (url.pathname.startsWith('/2/')) statuses.set(status, (statuses.get(status) ?? 0) + 1);
};

beforeEach(async () => {
  t = await createTestDatabase();
  group = await seedHashtags(t.db);
  prefix = testPrefix();
  statuses = new Map();
});
afterEach(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  workers = [];
  await sim?.close();
  await deletePrefix(redis, prefix);
  await t.drop();
});
afterAll(() => redis.disconnect());

/**
 * Another client on the same app token, as a second tool of the same team
 * would be: it spends the shared rate window, so the workers meet real 429s
 * although they stop when their own reading says the window is spent.
 */
function noisyNeighbour(): () => void {
  const query = encodeURIComponent('#VirtualCTWeek');
  const timer = setInterval(() => {
    void fetch(`${sim.url}/2/tweets/search/recent?query=${query}&max_results=10`, {
      headers: { authorization: 'Bearer test-bearer-token-0123456789' },
    }).catch(() => {});
  }, 50);
  return () => clearInterval(timer);
}

function start(count: number) {
  for (let i = 0; i < count; i++) workers.push(spawnWorker(workerEnv(t, sim, prefix)));
}

async function untilDayEnd() {
  while (sim.clock.now() < DAY_END.getTime()) await new Promise((r) => setTimeout(r, 250));
}

describe('capture of a replayed day', () => {
  it('stores exactly the posts X has, with 503s, slow answers and 429s injected', async () => {
    sim = await startSim({ ...REPLAY, faults: FAULTS, rateLimits: RATE_LIMITS, onResponse });
    start(1);
    const quiet = noisyNeighbour();
    await untilDayEnd();
    quiet();
    await waitForCycleAfter(t.db, group.queryKey, DAY_END);
    expect(exact(await compareSeedHashtags(t.db, sim, DAY_END)), workers[0]?.output.join('')).toEqual(EXACT);
    // The faults did happen: the result holds through them, not around them.
    expect(statuses.get(503)).toBeGreaterThan(0);
    expect(statuses.get(429)).toBeGreaterThan(0);
  }, 180_000);

  it('gives the same result with three worker processes at once', async () => {
    sim = await startSim({ ...REPLAY, faults: FAULTS, rateLimits: RATE_LIMITS, onResponse });
    start(3);
    const quiet = noisyNeighbour();
    await untilDayEnd();
    quiet();
    await waitForCycleAfter(t.db, group.queryKey, DAY_END);
    expect(exact(await compareSeedHashtags(t.db, sim, DAY_END))).toEqual(EXACT);
    expect(statuses.get(429)).toBeGreaterThan(0);
  }, 180_000);
});
