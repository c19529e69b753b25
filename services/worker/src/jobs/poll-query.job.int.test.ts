import { snowflakeTime } from '@tagpulse/core';
import { cursorsRepository, gapsRepository } from '@tagpulse/db';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { compareWithTruth } from '@tagpulse/testkit/truth';
import type { Sim } from '@tagpulse/x-sim';
import { UnrecoverableError } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueryGroup } from '../capture/query-groups.js';
import { frozenCtWeek, handlerDeps, recordingCtx, seedHashtags } from '../testing/harness.js';
import { pollQuery } from './poll-query.job.js';

const SCENARIO_START = new Date('2020-07-06T04:00:00Z');
// Edits come within 30 minutes and search lags up to a minute: posts begun this long ago are settled.
const SETTLED_MS = 32 * 60_000;

let t: TestDatabase;
let sim: Sim | undefined;
let group: QueryGroup;

beforeEach(async () => {
  t = await createTestDatabase();
  group = await seedHashtags(t.db);
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await t.drop();
});

async function expectTruth(until: Date) {
  for (const tag of ['VirtualCTWeek', 'UNCCTExpo', 'UNiteToCounterTerrorism']) {
    const c = await compareWithTruth(t.db, sim!.url, tag, SCENARIO_START, until);
    expect({ tag, ...c, compared: c.compared > 0 }).toEqual({
      tag,
      missing: [],
      extra: [],
      staleVersions: [],
      duplicates: [],
      compared: true,
    });
  }
}

describe('a poll cycle', () => {
  it('backfills on the first poll, then reads only what is new (with the overlap), matching the truth', async () => {
    sim = await frozenCtWeek('2020-07-06T18:00:00Z');
    const deps = handlerDeps(t.db, sim);
    await pollQuery({ queryKey: group.queryKey }, recordingCtx(deps));
    const first = await cursorsRepository.getCursor(t.db, group.queryKey);
    expect(first).toMatchObject({ status: 'ok', cycle_until_id: null });
    // The stored pages asked for their roll-ups.
    expect(await deps.queues.rollups.getJobCountByTypes('waiting', 'active', 'completed')).toBeGreaterThan(0);
    expect(first!.posts_stored).toBeGreaterThan(100);
    await expectTruth(new Date(sim.clock.now() - SETTLED_MS));

    sim.clock.set(Date.parse('2020-07-06T19:30:00Z'));
    await pollQuery({ queryKey: group.queryKey }, recordingCtx(deps));
    const second = await cursorsRepository.getCursor(t.db, group.queryKey);
    expect(BigInt(second!.since_id!)).toBeGreaterThan(BigInt(first!.since_id!));
    // The second cycle read a couple of hours, not the backfill again.
    expect(second!.posts_stored - first!.posts_stored).toBeLessThan(first!.posts_stored);
    await expectTruth(new Date(sim.clock.now() - SETTLED_MS));
    const gaps = await gapsRepository.listGaps(t.db);
    expect(gaps.map((g) => [g.cause, g.start_at, g.end_at])).toEqual([
      ['beyond_search_window', new Date('2020-06-29T18:00:00Z'), new Date('2020-06-29T19:00:00Z')],
    ]);
  });

  it('stops at a spent rate window after committing the page, and resumes below it', async () => {
    sim = await frozenCtWeek('2020-07-06T15:00:00Z', { rateLimits: { search: 1 } });
    const deps = handlerDeps(t.db, sim);
    const ctx = recordingCtx(deps);
    await expect(pollQuery({ queryKey: group.queryKey }, ctx)).rejects.toThrow('rate limited');
    const paused = await cursorsRepository.getCursor(t.db, group.queryKey);
    expect(paused).toMatchObject({ rate_limit_remaining: 0, status: 'backfilling' });
    expect(paused!.cycle_until_id).not.toBeNull();
    expect(ctx.pauses).toHaveLength(1);
    // After the reset the cycle goes on where it stopped, until it is done.
    for (let i = 0; i < 100; i++) {
      sim.clock.set(ctx.pauses.at(-1)!.getTime() + 1_000);
      const done = await pollQuery({ queryKey: group.queryKey }, ctx).then(
        () => true,
        () => false,
      );
      if (done) break;
    }
    expect(await cursorsRepository.getCursor(t.db, group.queryKey)).toMatchObject({
      status: 'ok',
      cycle_until_id: null,
    });
    await expectTruth(new Date(Date.parse('2020-07-06T15:00:00Z') - SETTLED_MS));
  });

  it('pauses a query on the usage cap instead of retrying, and says so in its status', async () => {
    sim = await frozenCtWeek('2020-07-06T18:00:00Z', { usageCap: 150 });
    const deps = handlerDeps(t.db, sim);
    const ctx = recordingCtx(deps);
    let error: unknown;
    for (let i = 0; i < 5 && !error; i++) {
      await pollQuery({ queryKey: group.queryKey }, ctx).catch((err: unknown) => {
        error = err;
      });
    }
    expect(error).toBeInstanceOf(UnrecoverableError);
    const cursor = await cursorsRepository.getCursor(t.db, group.queryKey);
    expect(cursor?.status).toBe('usage_capped');
    // The next scheduled poll does not ask X again within the probe interval.
    await expect(pollQuery({ queryKey: group.queryKey }, ctx)).resolves.toBeUndefined();
  });

  it('stops a query X refuses the credentials for, as unrecoverable, with auth_failed in its status', async () => {
    sim = await frozenCtWeek('2020-07-06T18:00:00Z', { bearerToken: 'the-right-token-0123456789' });
    const deps = handlerDeps(t.db, sim, 'a-wrong-token-0123456789');
    await expect(pollQuery({ queryKey: group.queryKey }, recordingCtx(deps))).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
    expect(await cursorsRepository.getCursor(t.db, group.queryKey)).toMatchObject({ status: 'auth_failed' });
  });

  it('records what fell out of the search window after a long outage as a gap with cause and bounds', async () => {
    sim = await frozenCtWeek('2020-07-06T18:00:00Z');
    const deps = handlerDeps(t.db, sim);
    await pollQuery({ queryKey: group.queryKey }, recordingCtx(deps));
    const before = await cursorsRepository.getCursor(t.db, group.queryKey);
    sim.clock.set(Date.parse('2020-07-14T12:00:00Z'));
    await pollQuery({ queryKey: group.queryKey }, recordingCtx(deps));
    const gaps = (await gapsRepository.listGaps(t.db, { tagKey: 'uncctexpo' })).filter(
      (g) => g.cause !== 'beyond_search_window',
    );
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ cause: 'worker_down', query_key: group.queryKey });
    expect(gaps[0]!.start_at).toEqual(new Date(snowflakeTime(before!.since_id!)));
    expect(gaps[0]!.end_at).toEqual(new Date(Date.parse('2020-07-07T13:00:00Z')));
  });
});
