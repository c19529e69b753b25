import { budgetRepository, cursorsRepository, gapsRepository, spendLedger } from '@tagpulse/db';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { startWebhookReceiver, type WebhookReceiver } from '@tagpulse/testkit/notify';
import type { Sim } from '@tagpulse/x-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverNotifications } from '../jobs/deliver-notifications.job.js';
import { measureCoverage } from '../jobs/measure-coverage.job.js';
import { pollQuery } from '../jobs/poll-query.job.js';
import { refreshEngagement } from '../jobs/refresh-engagement.job.js';
import { frozenCtWeek, handlerDeps, recordingCtx, seedHashtags } from '../testing/harness.js';
import type { QueryGroup } from './query-groups.js';

let t: TestDatabase;
let sim: Sim;
let hook: WebhookReceiver;
let group: QueryGroup;

const START = Date.parse('2020-07-08T14:00:00Z');
const STEP_MS = 10 * 60_000;

beforeAll(async () => {
  t = await createTestDatabase();
  group = await seedHashtags(t.db);
  sim = await frozenCtWeek(new Date(START).toISOString());
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await hook?.close();
  await sim?.close();
  await t?.drop();
});

function ctx() {
  const deps = handlerDeps(t.db, sim);
  deps.alerts.defaultChannels = [{ type: 'webhook', url: hook.url }];
  return recordingCtx(deps);
}

async function billedUsd(): Promise<number> {
  const body = (await (await fetch(`${sim.url}/__sim/billing`)).json()) as { total_usd: number };
  return body.total_usd;
}

/** The budget notices the webhook received, by threshold, counting distinct idempotency keys. */
function notices(): Record<number, number> {
  const keys = new Map<number, Set<string>>();
  for (const r of hook.received) {
    if (r.body.kind !== 'budget') continue;
    const pct = r.body.threshold_pct as number;
    keys.set(pct, (keys.get(pct) ?? new Set()).add(String(r.headers['idempotency-key'])));
  }
  return Object.fromEntries([...keys].map(([pct, k]) => [pct, k.size]));
}

describe('capture under a monthly budget', () => {
  it('degrades in order, notifies at 50/80/100 % once each, pauses with a gap, and resumes when raised', async () => {
    await pollQuery({ queryKey: group.queryKey }, ctx());
    const first = await spendLedger.monthSpend(t.db, new Date(START));
    expect(first).toBeGreaterThan(1);
    // Three quarters spent by the first poll: the next polls cross 80, 90, 95 and 100 %.
    const budget = Math.round((first / 0.75) * 100) / 100;
    await budgetRepository.setBudget(t.db, budget);

    const steps: string[] = [];
    let now = START;
    for (let i = 0; i < 400 && steps.at(-1) !== 'paused'; i++) {
      now += STEP_MS;
      sim.clock.set(now);
      await pollQuery({ queryKey: group.queryKey }, ctx());
      const step = (await budgetRepository.currentBudget(t.db, new Date(now)))?.step ?? 'none';
      if (steps.at(-1) !== step) steps.push(step);
    }
    expect(steps).toEqual(['normal', 'thin_refresh', 'sparse_coverage', 'slow_polling', 'paused']);

    // Paused: no request reaches X, the query says why, and the span is a gap of cause budget.
    const billedAtPause = await billedUsd();
    const pausedAt = now;
    for (let i = 0; i < 6; i++) {
      now += STEP_MS;
      sim.clock.set(now);
      await pollQuery({ queryKey: group.queryKey }, ctx());
      await refreshEngagement({}, ctx());
      await measureCoverage({}, ctx());
    }
    expect(await billedUsd()).toBe(billedAtPause);
    expect((await cursorsRepository.getCursor(t.db, group.queryKey))?.status).toBe('budget_paused');
    const gap = (await gapsRepository.listGaps(t.db)).find((g) => g.cause === 'budget');
    expect(gap?.end_at.getTime()).toBe(now);
    expect(gap!.start_at.getTime()).toBeLessThanOrEqual(pausedAt);

    // Each threshold's notice goes out once, however often the budget is checked.
    await deliverNotifications({}, ctx());
    await pollQuery({ queryKey: group.queryKey }, ctx());
    await deliverNotifications({}, ctx());
    expect(notices()).toEqual({ 50: 1, 80: 1, 100: 1 });

    // Raised at run time: the next poll reads again from where the cursor stopped, nothing lost.
    await budgetRepository.setBudget(t.db, budget * 2);
    const before = await cursorsRepository.getCursor(t.db, group.queryKey);
    await pollQuery({ queryKey: group.queryKey }, ctx());
    const after = await cursorsRepository.getCursor(t.db, group.queryKey);
    expect(after?.status).toBe('ok');
    expect(after!.posts_stored).toBeGreaterThan(before!.posts_stored);
    expect(await billedUsd()).toBeGreaterThan(billedAtPause);
    expect((await budgetRepository.currentBudget(t.db, new Date(now)))?.step).not.toBe('paused');
  }, 120_000);
});
