import { startSim } from '@tagpulse/x-sim';
import { beforeEach, describe, expect, it } from 'vitest';
import { xNoisyNeighbour } from './testing/noisy-neighbour.js';
import { useWorkerProcesses } from './testing/process-fixture.js';
import {
  compareSeedHashtags,
  EXACT,
  exact,
  waitForCycleAfter,
  waitForRollupsOfStoredPosts,
} from './testing/replay.js';

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

const { fixture: f, start } = useWorkerProcesses();
let statuses: Map<number, number>;
const onResponse = ({ url, status }: { url: URL; status: number }) => {
  if (url.pathname.startsWith('/2/')) statuses.set(status, (statuses.get(status) ?? 0) + 1);
};

beforeEach(() => {
  statuses = new Map();
});

async function untilDayEnd() {
  while (f.sim!.clock.now() < DAY_END.getTime()) await new Promise((r) => setTimeout(r, 250));
}

describe('capture of a replayed day', () => {
  it('stores exactly the posts X has, with 503s, slow answers and 429s injected', async () => {
    f.sim = await startSim({ ...REPLAY, faults: FAULTS, rateLimits: RATE_LIMITS, onResponse });
    start();
    const quiet = xNoisyNeighbour(f.sim.url);
    await untilDayEnd();
    quiet();
    await waitForCycleAfter(f.t.db, f.group.queryKey, DAY_END);
    expect(exact(await compareSeedHashtags(f.t.db, f.sim, DAY_END)), f.workers[0]?.output.join('')).toEqual(
      EXACT,
    );
    // The faults did happen: the result holds through them, not around them.
    expect(statuses.get(503)).toBeGreaterThan(0);
    expect(statuses.get(429)).toBeGreaterThan(0);
  }, 180_000);

  it('gives the same result with three worker processes at once', async () => {
    f.sim = await startSim({ ...REPLAY, faults: FAULTS, rateLimits: RATE_LIMITS, onResponse });
    start();
    start();
    start();
    const quiet = xNoisyNeighbour(f.sim.url);
    await untilDayEnd();
    quiet();
    await waitForCycleAfter(f.t.db, f.group.queryKey, DAY_END);
    expect(exact(await compareSeedHashtags(f.t.db, f.sim, DAY_END))).toEqual(EXACT);
    expect(statuses.get(429)).toBeGreaterThan(0);
    // Every page the three workers stored reached the hourly series through the roll-up outbox.
    await waitForRollupsOfStoredPosts(f.t.db, DAY_END);
  }, 180_000);
});
