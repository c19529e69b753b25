import { simPerTest, type TestSim } from '@tagpulse/testkit/x-sim';
import { describe, expect, it } from 'vitest';
import { SHORT_END, SHORT_START, shortScenario } from './testing/scenarios.js';
import type { SearchIndex } from './world/search-index.js';

const sims = simPerTest();
const start_time = new Date(SHORT_START).toISOString();
const FIELDS = {
  max_results: 100,
  expansions: ['referenced_tweets.id' as const],
  'tweet.fields': ['entities' as const, 'referenced_tweets' as const],
};

async function pageAll(t: TestSim, query: string) {
  const paginator = await t.client.v2.search(query, { ...FIELDS, start_time });
  while (!paginator.done) await paginator.fetchNext();
  return paginator;
}

const startAt = (searchIndex?: SearchIndex) =>
  sims.start({
    scenario: shortScenario(),
    seed: 5,
    speed: 0,
    start: SHORT_END + 3_600_000,
    ...(searchIndex ? { searchIndex } : {}),
  });

const live = (posts: { deleted_at?: string; id: string }[]) =>
  posts.filter((p) => !p.deleted_at).map((p) => p.id);

describe('--search-index', () => {
  it('2026 (default): no reposts in search or counts, and the truth says which posts search can return', async () => {
    const t = await startAt();
    expect((await pageAll(t, '#AlphaTag is:retweet')).tweets).toEqual([]);
    const found = await pageAll(t, '#AlphaTag');
    expect(found.tweets.some((p) => p.referenced_tweets?.[0]?.type === 'retweeted')).toBe(false);
    const truth = await t.truthPosts('AlphaTag');
    expect(found.tweets.map((p) => p.id)).toEqual(live(truth));
    expect(truth.every((p) => p.kind !== 'repost' && p.search_indexes.join() === '2026,legacy')).toBe(true);
    // The whole truth still holds the reposts, marked as found on the legacy index only.
    const everything = await t.truthPosts('AlphaTag', { index: 'all' });
    const reposts = everything.filter((p) => p.kind === 'repost');
    expect(reposts.length).toBeGreaterThan(10);
    expect(reposts.every((p) => p.search_indexes.join() === 'legacy')).toBe(true);
    const counts = await t.client.v2.tweetCountRecent('#AlphaTag', { start_time });
    expect(counts.meta.total_tweet_count).toBe(found.tweets.length);
  });

  it('legacy: reposts match on their original’s hashtags, even when the truncated text lost them', async () => {
    const t = await startAt('legacy');
    const reposts = await pageAll(t, '#AlphaTag is:retweet');
    expect(reposts.tweets.length).toBeGreaterThan(10);
    const lostTag = reposts.tweets.filter(
      (tw) =>
        !(tw.entities?.hashtags ?? []).some((h) => h.tag.toLowerCase().normalize('NFKD').startsWith('alph')),
    );
    expect(lostTag.length).toBeGreaterThan(0);
    for (const repost of reposts.tweets) {
      expect(repost.text).toMatch(/^RT @\w+: /);
      const original = reposts.includes.retweet(repost);
      expect(original?.entities?.hashtags?.some((h) => /^alph/i.test(h.tag.normalize('NFKD')))).toBe(true);
    }
    const found = await pageAll(t, '#AlphaTag');
    const truth = await t.truthPosts('AlphaTag');
    expect(found.tweets.map((p) => p.id)).toEqual(live(truth));
    expect(truth.some((p) => p.kind === 'repost')).toBe(true);
    expect(await t.truthPosts('AlphaTag', { index: '2026' })).toEqual(
      truth.filter((p) => p.kind !== 'repost'),
    );
  });
});
