import { SEED_HASHTAGS } from '@tagpulse/core';
import { cursorsRepository, type Database, REFRESH_AGES_MS } from '@tagpulse/db';
import { compareMastodon, waitForMastodonCycleAfter } from '@tagpulse/testkit/mastodon-truth';
import { waitFor } from '@tagpulse/testkit/processes';
import { type MastodonSim, startMastodonSim, startSim } from '@tagpulse/x-sim';
import { type Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { mastodonEnv, mastodonScenario } from './testing/mastodon-replay.js';
import { useWorkerProcesses } from './testing/process-fixture.js';
import { SCENARIO_START } from './testing/replay.js';

const { fixture: f, start } = useWorkerProcesses();
let masto: MastodonSim | undefined;
afterEach(async () => {
  await masto?.close();
  masto = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TIMELINES = 3 * 3; // three instances × three seed hashtags

/** Another reader of the instance from the same address: it spends the rate window the worker reads in. */
function noisyNeighbour(instance: string): () => void {
  const timer = setInterval(() => {
    void fetch(`${instance}/api/v1/timelines/tag/virtualctweek?limit=1`).catch(() => {});
  }, 80);
  return () => clearInterval(timer);
}

/** Every seed hashtag's comparison must be exact, and cover statuses seen through several instances. */
function expectExact(result: Awaited<ReturnType<typeof compareMastodon>>) {
  for (const [tag, c] of Object.entries(result)) {
    expect({ tag, missing: c.missing, extra: c.extra }).toEqual({ tag, missing: [], extra: [] });
  }
  const all = Object.values(result);
  expect(all.reduce((n, c) => n + c.compared, 0)).toBeGreaterThan(50);
  expect(all.reduce((n, c) => n + c.federated, 0)).toBeGreaterThan(10);
}

const FIRST_READING_MS = REFRESH_AGES_MS[0];

/** Waits until every Mastodon reading due by `until` was taken (a status deleted counts as read). */
async function waitForReadingsDueBy(db: Kysely<Database>, until: Date): Promise<void> {
  await waitFor(
    `every Mastodon reading due by ${until.toISOString()}`,
    async () => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from posts
        where network = 'mastodon' and deleted_at is null and refresh_due_at <= ${until}`.execute(db);
      return rows[0]?.n === 0;
    },
    90_000,
  );
}

/**
 * Deletions after capture against the truth: a stored status marked deleted is
 * deleted on Mastodon, and one deleted before its +1 h reading (taken by
 * `until`, on a status captured younger than that) is marked.
 */
async function compareDeletions(
  db: Kysely<Database>,
  masto: MastodonSim,
  { from, until, now }: { from: Date; until: Date; now: number },
) {
  const deletedAt = new Map<string, number>();
  for (const hashtag of SEED_HASHTAGS) {
    for (const t of masto.truth({ hashtag, startMs: from.getTime(), endMs: until.getTime(), now })) {
      if (t.deleted_at) deletedAt.set(t.uri, Date.parse(t.deleted_at));
    }
  }
  const { rows } = await sql<{ id: string; created_at: Date; first_seen_at: Date; deleted_at: Date | null }>`
    select id, created_at, first_seen_at, deleted_at from posts
    where network = 'mastodon' and created_at >= ${from} and created_at < ${until}`.execute(db);
  const falselyMarked = rows.filter((r) => r.deleted_at !== null && !deletedAt.has(r.id)).map((r) => r.id);
  const shouldBeMarked = rows.filter((r) => {
    const reading = r.created_at.getTime() + FIRST_READING_MS;
    const deleted = deletedAt.get(r.id);
    return (
      deleted !== undefined &&
      deleted <= reading &&
      r.first_seen_at.getTime() < reading &&
      reading <= until.getTime()
    );
  });
  return {
    falselyMarked,
    missed: shouldBeMarked.filter((r) => r.deleted_at === null).map((r) => r.id),
  };
}

describe('Mastodon capture of a replayed day', () => {
  it('stores every status once, by uri, through 429s, an instance down, deletions and federated copies', async () => {
    const statuses = new Map<number, number>();
    // 900×: six simulated hours in 24 s, a rate window of 333 ms.
    f.sim = await startSim({
      // Half the posts deleted 10 to 50 minutes after creation: mostly after capture, before their
      // +1 h reading.
      scenario: { ...mastodonScenario(), deletions: { rate: 0.5, after_minutes: { min: 10, max: 50 } } },
      speed: 900,
      start: '2020-07-06T20:00:00Z',
      port: 0,
    });
    const down: { domain: string; from: number; to: number }[] = [];
    masto = await startMastodonSim({
      world: f.sim.world,
      clock: f.sim.clock,
      // Three requests per five simulated minutes, mostly spent by a noisy neighbour.
      rateLimit: 3,
      down,
      onResponse: ({ status }) => statuses.set(status, (statuses.get(status) ?? 0) + 1),
    });
    const dayEnd = new Date('2020-07-07T02:00:00Z');
    start(mastodonEnv(masto));
    // Once capture runs, an instance goes down for an hour.
    await waitFor('a first Mastodon page', async () =>
      (await cursorsRepository.listCursors(f.t.db)).some((c) => c.network === 'mastodon' && c.version > 0),
    );
    const now = f.sim.clock.now();
    down.push({ domain: 'respublicae.eu', from: now, to: now + 3_600_000 });
    const quiet = noisyNeighbour(masto.instances[0]?.url ?? '');
    while (f.sim.clock.now() < dayEnd.getTime()) await sleep(250);
    quiet();
    await waitForMastodonCycleAfter(f.t.db, dayEnd, TIMELINES);
    const result = await compareMastodon(f.t.db, masto!, {
      hashtags: SEED_HASHTAGS,
      from: SCENARIO_START,
      until: dayEnd,
      now: f.sim.clock.now(),
    });
    expectExact(result);
    // Statuses deleted after capture: read again through the same faults, marked, and only those
    // (the outage and the 429s mark nothing). The night's few statuses leave about two deleted
    // between capture and their +1 h reading: refresh/refresh-lanes.int.test.ts checks many.
    await waitForReadingsDueBy(f.t.db, dayEnd);
    const deletions = await compareDeletions(f.t.db, masto!, {
      from: SCENARIO_START,
      until: dayEnd,
      now: f.sim.clock.now(),
    });
    expect({ falselyMarked: deletions.falselyMarked, missed: deletions.missed }).toEqual({
      falselyMarked: [],
      missed: [],
    });
    // The faults did happen: the result holds through them, not around them.
    expect(Object.fromEntries(statuses)).toMatchObject({ 429: expect.any(Number), 502: expect.any(Number) });
  }, 180_000);

  it('loses and duplicates nothing when a worker is SIGKILLed mid-page again and again', async () => {
    f.sim = await startSim({
      scenario: mastodonScenario(),
      speed: 1_800,
      start: '2020-07-06T20:00:00Z',
      port: 0,
    });
    masto = await startMastodonSim({ world: f.sim.world, clock: f.sim.clock });
    const versions = async () =>
      (await cursorsRepository.listCursors(f.t.db))
        .filter((c) => c.network === 'mastodon')
        .reduce((n, c) => n + c.version, 0);
    for (const afterMs of [40, 110, 0, 160]) {
      const worker = start(mastodonEnv(masto));
      const seen = await versions();
      await waitFor('a Mastodon page committed by this worker', async () => (await versions()) > seen);
      await sleep(afterMs);
      await worker.kill('SIGKILL');
    }
    const end = new Date(f.sim.clock.now());
    start(mastodonEnv(masto));
    await waitForMastodonCycleAfter(f.t.db, end, TIMELINES);
    expectExact(
      await compareMastodon(f.t.db, masto!, {
        hashtags: SEED_HASHTAGS,
        from: SCENARIO_START,
        until: end,
        now: f.sim.clock.now(),
      }),
    );
  }, 240_000);
});
