import { parseHashtag } from '@tagpulse/core';
import { cursorsRepository, hashtagsRepository } from '@tagpulse/db';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { captureFreshness, compareWithTruth } from '@tagpulse/testkit/truth';
import { defaultPrices } from '@tagpulse/x-client';
import { type Charge, type Sim, type SimOptions, startSim } from '@tagpulse/x-sim';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pollQuery } from '../jobs/poll-query.job.js';
import { handlerDeps, recordingCtx } from '../testing/harness.js';
import { groupQueries, type QueryGroup } from './query-groups.js';

// The scheduler's tick, in X time: the test moves x-sim's frozen clock by one and runs the job, as the scheduler would.
const TICK_MS = 15_000;
const MAX_DELAY_S = 180;

let t: TestDatabase;
let sim: Sim | undefined;
/** X time of every search request x-sim answered. */
let searches: number[];

beforeEach(async () => {
  t = await createTestDatabase();
  searches = [];
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await t.drop();
});

async function track(hashtags: string[]): Promise<QueryGroup> {
  const tags = hashtags.map((h) => parseHashtag(h)).flatMap((p) => (p.ok ? [p] : []));
  for (const tag of tags) await hashtagsRepository.addHashtag(t.db, tag);
  const [group] = groupQueries(tags, 512);
  await cursorsRepository.ensureCursor(t.db, { ...group!, sinceId: null });
  return group!;
}

/** x-sim frozen at `start`, billing an empty search as one post read (the playground's reading). */
async function frozenSim(
  options: Partial<SimOptions> & Pick<SimOptions, 'scenario' | 'start'>,
): Promise<Sim> {
  return startSim({
    speed: 0,
    port: 0,
    billEmptySearch: true,
    onResponse: ({ url }) => {
      if (url.pathname === '/2/tweets/search/recent') searches.push(sim!.clock.now());
    },
    ...options,
  });
}

/** Runs the poll job at every tick of [from, to), the clock set to each tick. */
async function tickThrough(group: QueryGroup, from: number, to: number) {
  const deps = handlerDeps(t.db, sim!);
  deps.settings = {
    ...deps.settings,
    maxDelayMs: MAX_DELAY_S * 1_000,
    pollTickMs: TICK_MS,
    prices: { ...defaultPrices('pay-per-use'), emptyRequest: 0.005 },
  };
  for (let at = from; at < to; at += TICK_MS) {
    sim!.clock.set(at);
    await pollQuery({ queryKey: group.queryKey }, recordingCtx(deps));
  }
}

const requestsIn = (from: number, to: number) => searches.filter((s) => s >= from && s < to).length;
const ticksIn = (from: number, to: number) => Math.ceil((to - from) / TICK_MS);

async function charges(): Promise<Charge[]> {
  return ((await (await fetch(`${sim!.url}/__sim/billing`)).json()) as { data: Charge[] }).data;
}

describe('cost-aware polling', () => {
  it('polls a quiet hashtag less often than every tick and a spike at every tick, storing each post within the freshness asked', async () => {
    // The spike scenario: one post a minute, then 40 more a minute from 12:00 to 12:30 UTC.
    const from = Date.parse('2024-03-02T11:00:00Z');
    const spike = Date.parse('2024-03-02T12:00:00Z');
    const to = Date.parse('2024-03-02T12:30:00Z');
    sim = await frozenSim({ scenario: 'spike', start: new Date(from).toISOString() });
    const group = await track(['SpikeTag']);
    await tickThrough(group, from, to);

    // The quiet hour (past the first poll's back-fill): about one request per post, a quarter of the ticks.
    const quiet = requestsIn(from + TICK_MS, spike);
    expect(quiet).toBeGreaterThan(0);
    expect(quiet).toBeLessThanOrEqual(ticksIn(from + TICK_MS, spike) / 3);
    // The spike is seen at the first poll in it, then polled at (nearly) every tick.
    expect(requestsIn(spike + 2 * 60_000, to)).toBeGreaterThanOrEqual(0.9 * ticksIn(spike + 2 * 60_000, to));

    const fresh = await captureFreshness(t.db, sim.url, ['SpikeTag'], new Date(from), new Date(to - 60_000));
    expect(fresh.lost).toEqual([]);
    expect(fresh.seconds.length).toBeGreaterThan(500);
    expect(Math.max(...fresh.seconds)).toBeLessThanOrEqual(MAX_DELAY_S);
    const truth = await compareWithTruth(
      t.db,
      sim.url,
      'SpikeTag',
      new Date(from),
      new Date(to - 32 * 60_000),
    );
    expect({ missing: truth.missing, extra: truth.extra, duplicates: truth.duplicates }).toEqual({
      missing: [],
      extra: [],
      duplicates: [],
    });
  }, 120_000);

  it('never pays for an empty search through a quiet night: each poll re-reads a post X already billed that day', async () => {
    // 02:00–04:00 in New York on day 2 of the Virtual CT Week: a few posts an hour.
    const from = Date.parse('2020-07-07T06:00:00Z');
    const to = Date.parse('2020-07-07T08:00:00Z');
    sim = await frozenSim({ scenario: 'virtual-ct-week-2020', start: new Date(from).toISOString() });
    const group = await track(['VirtualCTWeek', 'UNCCTExpo', 'UNiteToCounterTerrorism']);
    await tickThrough(group, from, to);

    const searchCharges = (await charges()).filter(
      (c) => c.endpoint === '/2/tweets/search/recent' && c.at >= new Date(from + TICK_MS).toISOString(),
    );
    const empty = searchCharges.filter((c) => c.resource_ids.length === 0);
    expect(requestsIn(from + TICK_MS, to)).toBeGreaterThan(40);
    expect(empty).toEqual([]);
    // What the night's polls paid for is its new posts, each once.
    const billed = searchCharges.flatMap((c) => c.resource_ids);
    expect(new Set(billed).size).toBe(billed.length);
    const fresh = await captureFreshness(t.db, sim.url, group.tagKeys, new Date(from), new Date(to - 60_000));
    expect(fresh.lost).toEqual([]);
    expect(Math.max(...fresh.seconds)).toBeLessThanOrEqual(MAX_DELAY_S);
  }, 120_000);
});
