import { snowflakeTime } from '@tagpulse/core';
import { cursorsRepository, gapsRepository } from '@tagpulse/db';
import { waitFor } from '@tagpulse/testkit/processes';
import { startSim } from '@tagpulse/x-sim';
import { describe, expect, it } from 'vitest';
import { SEARCH_WINDOW_MS, WINDOW_MARGIN_MS } from './capture/poll-plan.js';
import { useWorkerProcesses } from './testing/process-fixture.js';
import { compareSeedHashtags, EXACT, exact, waitForCycleAfter } from './testing/replay.js';

const { fixture: f, start } = useWorkerProcesses();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a worker that dies', () => {
  it('loses and duplicates nothing when SIGKILLed mid-page again and again', async () => {
    // Slow answers keep requests in flight, so kills land between a request and its commit.
    f.sim = await startSim({
      scenario: 'virtual-ct-week-2020',
      speed: 1_800,
      start: '2020-07-06T20:00:00Z',
      faults: { slow: 0.3, slowMs: 150 },
      port: 0,
    });
    const version = async () => (await cursorsRepository.getCursor(f.t.db, f.group.queryKey))?.version ?? 0;
    for (const afterMs of [40, 110, 0, 160]) {
      const worker = start();
      const seen = await version();
      await waitFor('a page committed by this worker', async () => (await version()) > seen);
      await sleep(afterMs);
      await worker.kill('SIGKILL');
    }
    const end = new Date(f.sim.clock.now());
    start();
    await waitForCycleAfter(f.t.db, f.group.queryKey, end);
    expect(exact(await compareSeedHashtags(f.t.db, f.sim, end))).toEqual(EXACT);
  }, 240_000);

  it('records a gap with its cause and bounds when it was down longer than the search window', async () => {
    f.sim = await startSim({
      scenario: 'virtual-ct-week-2020',
      speed: 60,
      start: '2020-07-06T18:00:00Z',
      port: 0,
    });
    const first = start();
    await waitFor('a first completed poll', async () => {
      const c = await cursorsRepository.getCursor(f.t.db, f.group.queryKey);
      return c?.status === 'ok';
    });
    await first.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const cursor = await cursorsRepository.getCursor(f.t.db, f.group.queryKey);
    // Eight days pass with no worker running.
    f.sim.clock.set(f.sim.clock.now() + 8 * 86_400_000);
    const restartedAt = f.sim.clock.now();
    start();
    await waitFor('the gap', async () =>
      (await gapsRepository.listGaps(f.t.db)).some((g) => g.cause === 'worker_down'),
    );
    const [gap] = (await gapsRepository.listGaps(f.t.db, { tagKey: 'virtualctweek' })).filter(
      (g) => g.cause === 'worker_down',
    );
    expect(gap?.start_at).toEqual(new Date(snowflakeTime(cursor!.since_id!)));
    // The gap ends where search reaches back to (less its margin) when the worker came back.
    const reachedBackAt = gap!.end_at.getTime() + SEARCH_WINDOW_MS - WINDOW_MARGIN_MS;
    expect(reachedBackAt).toBeGreaterThanOrEqual(restartedAt);
    expect(reachedBackAt).toBeLessThanOrEqual(f.sim.clock.now());
    expect(gap?.tag_keys).toEqual(f.group.tagKeys);
  }, 120_000);
});
