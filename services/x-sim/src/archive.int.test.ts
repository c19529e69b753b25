import { compareIds } from '@tagpulse/core';
import { errorOf, rawGet, startTestSim, type TestSim } from '@tagpulse/testkit/x-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const TAGS = ['VirtualCTWeek', 'UNCCTExpo', 'UNiteToCounterTerrorism'];
const QUERY = `(${TAGS.map((t) => `#${t}`).join(' OR ')})`;
const WEEK_START = '2020-07-06T04:00:00Z';
/** A week after the scenario ended: out of search/recent's reach, within the archive's. */
const NOW = Date.parse('2020-07-20T12:00:00Z');

let t: TestSim;
beforeAll(async () => {
  t = await startTestSim({ scenario: 'virtual-ct-week-2020', seed: 3, speed: 0, start: NOW });
});
afterAll(() => t.close());
afterEach(() => {
  expect(t.violations).toEqual([]);
});

describe('GET /2/tweets/search/all', () => {
  it('pages the whole CT week at 500 a page, one request per second of sim time; faster gets 429', async () => {
    const options = { max_results: 500, start_time: WEEK_START, expansions: ['author_id' as const] };
    const paginator = await t.client.v2.searchAll(QUERY, options);
    let pages = 1;
    while (!paginator.done) {
      // Within the same simulated second, X's 429, with the one-per-second window's headers.
      const early = await errorOf(paginator.fetchNext());
      expect(early.code).toBe(429);
      expect(early.data.title).toBe('Too Many Requests');
      expect(early.rateLimit).toEqual({
        limit: 1,
        remaining: 0,
        reset: Math.ceil(t.sim.clock.now() / 1000) + 1,
      });
      t.sim.clock.set(t.sim.clock.now() + 1000);
      await paginator.fetchNext();
      pages++;
    }
    const truth = new Set<string>();
    for (const tag of TAGS) {
      for (const p of await t.truthPosts(tag, { start_time: WEEK_START })) if (!p.deleted_at) truth.add(p.id);
    }
    const expected = [...truth].sort((a, b) => compareIds(b, a));
    expect(paginator.tweets.map((p) => p.id)).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 500));
    expect(pages).toBeGreaterThan(2);
    // The week is a fortnight old: recent search cannot reach it.
    const recent = await errorOf(t.client.v2.search(QUERY, { start_time: WEEK_START }));
    expect(recent.code).toBe(400);
  });

  it('answers X’s 400 outside the archive’s bounds and page sizes', async () => {
    t.sim.clock.set(t.sim.clock.now() + 1000);
    const early = await errorOf(t.client.v2.searchAll(QUERY, { start_time: '2006-03-20T23:59:59Z' }));
    expect(early.code).toBe(400);
    expect(early.data.errors?.[0]?.message).toBe(
      "Invalid 'start_time':'2006-03-20T23:59:59Z'. 'start_time' must be on or after 2006-03-21T00:00Z",
    );
    t.sim.clock.set(t.sim.clock.now() + 1000);
    const late = await errorOf(
      t.client.v2.searchAll(QUERY, { end_time: new Date(NOW + 86_400_000).toISOString() }),
    );
    expect(late.data.errors?.[0]?.message).toMatch(/'end_time' must be a minimum of 10 seconds prior/);
    t.sim.clock.set(t.sim.clock.now() + 1000);
    const big = await rawGet(t.sim, `/2/tweets/search/all?query=%23UNCCTExpo&max_results=501`);
    expect(big.status).toBe(400);
    expect(big.text).toContain('is not between 10 and 500');
  });
});

describe('GET /2/tweets/counts/all', () => {
  it('counts 31 days a page with next_token, what search/all returns, billed per request', async () => {
    const start = '2020-05-01T00:00:00Z';
    const totals: number[] = [];
    const ranges: string[] = [];
    let next: string | undefined;
    do {
      const page = await t.client.v2.tweetCountAll(QUERY, {
        start_time: start,
        granularity: 'day',
        ...(next ? { next_token: next } : {}),
      });
      totals.push(page.meta.total_tweet_count);
      ranges.push(`${page.data[0]?.start}..${page.data[page.data.length - 1]?.end}`);
      next = page.meta.next_token;
    } while (next);
    const end = new Date(Math.floor((t.sim.clock.now() - 30_000) / 1000) * 1000).toISOString();
    expect(ranges).toEqual([
      `${new Date(Date.parse(end) - 31 * 86_400_000).toISOString()}..${end}`,
      `${new Date(Date.parse(end) - 62 * 86_400_000).toISOString()}..${new Date(Date.parse(end) - 31 * 86_400_000).toISOString()}`,
      `2020-05-01T00:00:00.000Z..${new Date(Date.parse(end) - 62 * 86_400_000).toISOString()}`,
    ]);
    const truth = new Set<string>();
    for (const tag of TAGS) {
      for (const p of await t.truthPosts(tag, { start_time: WEEK_START })) if (!p.deleted_at) truth.add(p.id);
    }
    expect(totals).toEqual([truth.size, 0, 0]);
    const billing = await t.billing();
    const counted = billing.data.filter((c) => c.endpoint === '/2/tweets/counts/all');
    expect(counted.map((c) => c.amount_usd)).toEqual([0.01, 0.01, 0.01]);
  });
});
