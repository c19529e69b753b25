import { startTestSim, type TestSim } from '@tagpulse/testkit/x-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SHORT_END, SHORT_START, shortScenario } from './testing/scenarios.js';
import type { TruthPost } from './truth.js';

let t: TestSim;
let truth: TruthPost[];
const END = SHORT_END + 2 * 3_600_000;
beforeAll(async () => {
  t = await startTestSim({ scenario: shortScenario(), seed: 11, speed: 0, start: END });
  truth = [...(await t.truthPosts('AlphaTag')), ...(await t.truthPosts('BetaTag'))];
});
afterAll(() => t.close());
afterEach(() => {
  expect(t.violations).toEqual([]);
});

const searchIds = async (query: string) => {
  const paginator = await t.client.v2.search(query, {
    start_time: new Date(SHORT_START).toISOString(),
    max_results: 100,
  });
  while (!paginator.done) await paginator.fetchNext();
  return new Set(paginator.tweets.map((tw) => tw.id));
};

describe('edits', () => {
  it('give a new id in the same chain; search shows only the latest version once the edit exists', async () => {
    const edited = truth.find((p) => p.edit_history_tweet_ids.length >= 2 && !p.deleted_at);
    if (!edited) throw new Error('the test world has no edited post');
    const [first, second] = edited.edit_history_tweet_ids as [string, string];
    const both = await t.client.v2.tweets([first, edited.id], { 'tweet.fields': ['created_at'] });
    expect(both.data.map((tw) => tw.edit_history_tweet_ids)).toEqual([
      edited.edit_history_tweet_ids,
      edited.edit_history_tweet_ids,
    ]);
    expect(both.data[1]?.created_at).toBe(edited.created_at);
    const now = await searchIds('#AlphaTag OR #BetaTag');
    expect(now.has(edited.id)).toBe(true);
    expect(now.has(first)).toBe(false);

    // Just before the first edit, the original is what exists and what search shows.
    t.sim.clock.set(
      Date.parse(
        (await t.client.v2.tweets([second], { 'tweet.fields': ['created_at'] })).data[0]?.created_at ?? '',
      ) - 1_000,
    );
    const before = await searchIds('#AlphaTag OR #BetaTag');
    expect(before.has(first)).toBe(true);
    expect(before.has(second)).toBe(false);
    const lookup = await t.client.v2.tweets([second]);
    expect(lookup.errors?.[0]).toMatchObject({
      resource_id: second,
      type: 'https://api.twitter.com/2/problems/resource-not-found',
    });
    t.sim.clock.set(END);
  });
});

describe('deletions', () => {
  it('vanish from search and become partial resource-not-found errors in lookups', async () => {
    const deleted = truth.find((p) => p.deleted_at);
    const alive = truth.find((p) => !p.deleted_at);
    if (!deleted || !alive) throw new Error('the test world needs deleted and live posts');
    const res = await t.client.v2.tweets([alive.id, deleted.id]);
    expect(res.data.map((tw) => tw.id)).toEqual([alive.id]);
    expect(res.errors).toEqual([
      {
        value: deleted.id,
        detail: `Could not find tweet with id: [${deleted.id}].`,
        title: 'Not Found Error',
        resource_type: 'tweet',
        parameter: 'ids',
        resource_id: deleted.id,
        type: 'https://api.twitter.com/2/problems/resource-not-found',
      },
    ]);
    expect((await searchIds('#AlphaTag OR #BetaTag')).has(deleted.id)).toBe(false);

    t.sim.clock.set(Date.parse(deleted.deleted_at ?? '') - 1_000);
    expect((await t.client.v2.tweets([deleted.id])).data?.[0]?.id).toBe(deleted.id);
    t.sim.clock.set(END);
  });
});

describe('public metrics', () => {
  it('grow after posting, never shrink', async () => {
    const originals = truth.filter((p) => p.kind === 'original' && !p.deleted_at).slice(0, 100);
    const ids = originals.map((p) => p.id);
    const created = Math.max(...originals.map((p) => Date.parse(p.created_at)));
    const read = async (at: number) => {
      t.sim.clock.set(at);
      const res = await t.client.v2.tweets(ids, { 'tweet.fields': ['public_metrics'] });
      return res.data.map((tw) => tw.public_metrics?.impression_count ?? -1);
    };
    const early = await read(created + 60_000);
    const later = await read(created + 3 * 3_600_000);
    expect(later.every((n, i) => n >= (early[i] ?? 0))).toBe(true);
    expect(later.reduce((a, b) => a + b, 0)).toBeGreaterThan(early.reduce((a, b) => a + b, 0));
    t.sim.clock.set(END);
  });
});
