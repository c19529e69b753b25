import { parseBackfillSpec, SEED_HASHTAGS } from '@tagpulse/core';
import { backfillsRepository, budgetRepository } from '@tagpulse/db';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import type { Sim } from '@tagpulse/x-sim';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { frozenCtWeek, handlerDeps, recordingCtx } from '../testing/harness.js';
import { runBackfill } from './backfill.job.js';

let t: TestDatabase;
let sim: Sim | undefined;

beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await t.drop();
});

const searches = async () => {
  const billing = (await (await fetch(`${sim!.url}/__sim/billing`)).json()) as {
    data: { endpoint: string }[];
  };
  return billing.data.filter((c) => c.endpoint === '/2/tweets/search/all').length;
};

describe('run-backfill', () => {
  it('sends X nothing while the month’s budget is spent, and goes on from its cursor once it is raised', async () => {
    // Frozen: the archive allows one request until the clock moves a second.
    sim = await frozenCtWeek('2020-07-20T00:00:00Z');
    const deps = handlerDeps(t.db, sim);
    // As a worker prices by default: expanded authors are not billed (X_BILL_EXPANDED_USERS), as in x-sim.
    deps.settings.prices = { ...deps.settings.prices, userRead: 0 };
    const parsed = parseBackfillSpec({
      hashtags: [...SEED_HASHTAGS],
      from: '2020-07-06T04:00:00Z',
      to: '2020-07-13T04:00:00Z',
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    const b = await backfillsRepository.createBackfill(t.db, parsed.spec);
    await budgetRepository.setBudget(t.db, 2.51);
    const ctx = recordingCtx(deps);
    // The estimate ($6.00) is within no max_usd, but its search is more than the $2.50 left.
    await runBackfill({ backfillId: b.id }, ctx);
    expect((await backfillsRepository.getBackfill(t.db, b.id))?.status).toBe('refused');

    await budgetRepository.setBudget(t.db, 10);
    const again = await backfillsRepository.createBackfill(t.db, parsed.spec);
    // One page (of 3), then X's one-a-second window is spent.
    await expect(runBackfill({ backfillId: again.id }, ctx)).rejects.toThrow('rate limited');
    expect(await searches()).toBe(1);
    // Live capture spends the rest of the budget meanwhile.
    await budgetRepository.setBudget(t.db, 0.5);
    for (let i = 0; i < 3; i++) {
      sim.clock.set(sim.clock.now() + 1_000);
      await expect(runBackfill({ backfillId: again.id }, ctx)).rejects.toThrow('rate limited');
    }
    expect(await searches()).toBe(1);
    expect(ctx.pauses.at(-1)!.getTime()).toBe(sim.clock.now() + deps.settings.slowPollMs);

    await budgetRepository.setBudget(t.db, 10);
    for (let i = 0; i < 5; i++) {
      sim.clock.set(sim.clock.now() + 1_000);
      await runBackfill({ backfillId: again.id }, ctx).catch(() => {});
    }
    const done = await backfillsRepository.getBackfill(t.db, again.id);
    expect(done).toMatchObject({ status: 'done', pages: 3, postsStored: 1198 });
    expect(await searches()).toBe(3);
  });
});
