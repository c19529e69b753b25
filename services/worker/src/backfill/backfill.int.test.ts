import { parseBackfillSpec, SEED_HASHTAGS } from '@tagpulse/core';
import { backfillsRepository, gapsRepository } from '@tagpulse/db';
import { createQueues, createRedis, nudge } from '@tagpulse/queue';
import { loadSharedEnv } from '@tagpulse/runtime';
import { waitFor } from '@tagpulse/testkit/processes';
import { compareWithTruth } from '@tagpulse/testkit/truth';
import { startSim } from '@tagpulse/x-sim';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useWorkerProcesses } from '../testing/process-fixture.js';
import { EXACT, exact } from '../testing/replay.js';

const { fixture: f, start } = useWorkerProcesses();

// The scenario's whole week, in UTC.
const FROM = '2020-07-06T04:00:00Z';
const TO = '2020-07-13T04:00:00Z';
// Live capture begins a week after the week's middle: its first poll reaches back to 10 July and
// records the hour before that as a beyond_search_window gap, inside the week.
const LIVE_START = '2020-07-17T00:00:00Z';
// The back-fill runs the next UTC day, so X bills its reads afresh (a post is free only the same day).
const BACKFILL_DAY = Date.parse('2020-07-18T00:05:00Z');

interface Charge {
  endpoint: string;
  day: string;
  resource_ids: string[];
  amount_usd: number;
}

describe('a back-fill of the Virtual CT Week from the full archive', () => {
  it('stores the week exactly once beside live capture, bills its estimate, fills the gap, survives SIGKILL', async () => {
    f.sim = await startSim({ scenario: 'virtual-ct-week-2020', speed: 1, start: LIVE_START, port: 0 });
    const sim = f.sim;
    const live = start();
    await waitFor('the first live poll cycle', async () => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from capture_cursors where status = 'ok'`.execute(f.t.db);
      return (rows[0]?.n ?? 0) > 0;
    });
    const [gap] = (await gapsRepository.listGaps(f.t.db)).filter((g) => g.cause === 'beyond_search_window');
    expect(gap!.start_at.getTime()).toBeGreaterThanOrEqual(Date.parse(FROM));
    expect(gap!.end_at.getTime()).toBeLessThanOrEqual(Date.parse(TO));
    expect(gap!.filled_by).toBeNull();

    sim.clock.set(BACKFILL_DAY);
    // The worker reads x-sim's clock every second: until it has seen the jump, it would date its
    // requests to the day before in the spend ledger (where live capture read the same posts).
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const parsed = parseBackfillSpec({ hashtags: [...SEED_HASHTAGS], from: FROM, to: TO });
    if (!parsed.ok) throw new Error(parsed.reason);
    const b = await backfillsRepository.createBackfill(f.t.db, parsed.spec);
    const redis = createRedis(loadSharedEnv().REDIS_URL, 'producer', () => {});
    const queues = createQueues(redis, f.prefix, () => {});
    await nudge(queues, 'run-backfill', { backfillId: b.id });

    // Killed mid-paging: after the first page is in, a second of X time before the next may go.
    await waitFor('a few back-fill pages', async () => {
      const row = await backfillsRepository.getBackfill(f.t.db, b.id);
      return (row?.pages ?? 0) >= 1;
    });
    await live.kill('SIGKILL');
    const killedAt = (await backfillsRepository.getBackfill(f.t.db, b.id))!;
    expect(killedAt.status).toBe('running');
    expect(killedAt.nextToken).not.toBeNull();
    start();
    await waitFor(
      'the back-fill done',
      async () => (await backfillsRepository.getBackfill(f.t.db, b.id))?.status === 'done',
      120_000,
    );
    await Promise.all(Object.values(queues).map((q) => q.close()));
    redis.disconnect();

    const done = (await backfillsRepository.getBackfill(f.t.db, b.id))!;
    // Stored posts equal x-sim's truth for the week: nothing missing, extra, stale or doubled.
    const comparisons = Object.fromEntries(
      await Promise.all(
        SEED_HASHTAGS.map(
          async (tag) =>
            [tag, await compareWithTruth(f.t.db, sim.url, tag, new Date(FROM), new Date(TO))] as const,
        ),
      ),
    );
    expect(exact(comparisons)).toEqual(EXACT);
    const { rows: stored } = await sql<{ n: number }>`
      select count(distinct post_id)::int as n from post_hashtags
      where created_at >= ${new Date(FROM)} and created_at < ${new Date(TO)}`.execute(f.t.db);
    expect(done.estimate!.posts).toBe(stored[0]!.n);

    // What X billed for the back-fill (the archive's endpoints) is its estimate, counts requests
    // included, less the week's posts X had billed already that UTC day to other requests (the +7 d
    // engagement look-ups of live capture): X bills a post once a day, whoever reads it.
    const billing = (await (await fetch(`${sim.url}/__sim/billing`)).json()) as { data: Charge[] };
    const archive = billing.data.filter(
      (c) => c.endpoint === '/2/tweets/search/all' || c.endpoint === '/2/tweets/counts/all',
    );
    const billed = archive.reduce((n, c) => n + c.amount_usd, 0);
    expect(archive.filter((c) => c.endpoint === '/2/tweets/counts/all').length).toBe(done.countsRequests);
    const week = new Set<string>();
    for (const tag of SEED_HASHTAGS) {
      const url = `${sim.url}/__sim/truth/posts?hashtag=${tag}&start_time=${FROM}&end_time=${TO}`;
      const { data } = (await (await fetch(url)).json()) as { data: { id: string; deleted_at?: string }[] };
      for (const p of data) if (!p.deleted_at) week.add(p.id);
    }
    const day = new Date(BACKFILL_DAY).toISOString().slice(0, 10);
    const readByOthers = new Set(
      billing.data
        .filter((c) => c.day === day && !archive.includes(c))
        .flatMap((c) => c.resource_ids)
        .filter((id) => week.has(id)),
    );
    expect(week.size).toBe(done.estimate!.posts);
    expect(billed + readByOthers.size * 0.005).toBeCloseTo(done.estimate!.usd, 6);
    // The spend ledger agrees with X, the page lost to the kill included (read again the same day: free).
    expect(done.spent.usd).toBeCloseTo(billed, 6);

    // The week's gap says it was filled, and by which back-fill.
    const [filled] = (await gapsRepository.listGaps(f.t.db)).filter((g) => g.id === gap!.id);
    expect(filled!.filled_by).toBe(b.id);
    expect(filled!.filled_at).not.toBeNull();
    // The week's spikes are in the alerts' history as the back-fill's, and nobody was paged for them:
    // no live alert and no delivery for any bucket of the week.
    const { rows: alerts } = await sql<{
      backfill_id: string | null;
      deliveries: number;
      kind: string;
      started_at: Date;
    }>`
      select a.backfill_id, a.kind, a.started_at,
        (select count(*)::int from deliveries d where d.alert_id = a.id) as deliveries
      from alerts a where a.started_at >= ${new Date(FROM)} and a.started_at < ${new Date(TO)}`.execute(
      f.t.db,
    );
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.filter((a) => a.backfill_id !== b.id || a.deliveries > 0)).toEqual([]);
    console.log(
      `back-fill: ${alerts.length} historical alerts, ${done.estimate!.posts} posts estimated, ${done.postsStored} stored in ${done.pages} pages, estimate $${done.estimate!.usd}, billed $${billed.toFixed(6)} (+ ${readByOthers.size} posts read earlier that day by live capture), ${done.estimate!.seconds} s at 1 req/s`,
    );
  }, 240_000);
});
