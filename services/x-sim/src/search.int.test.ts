import { snowflakeAt, snowflakeTime } from '@tagpulse/core';
import { rawGet, startTestSim, type TestSim } from '@tagpulse/testkit/x-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SHORT_END, SHORT_START, shortScenario } from './testing/scenarios.js';

type SearchOptions = NonNullable<Parameters<TestSim['client']['v2']['search']>[1]>;

const FIELDS: SearchOptions = {
  max_results: 100,
  expansions: ['author_id', 'referenced_tweets.id', 'attachments.media_keys', 'edit_history_tweet_ids'],
  'tweet.fields': [
    'created_at',
    'author_id',
    'public_metrics',
    'entities',
    'referenced_tweets',
    'conversation_id',
    'in_reply_to_user_id',
    'lang',
    'attachments',
  ],
  'user.fields': ['public_metrics', 'username', 'verified'],
  'media.fields': ['url', 'width', 'height'],
};

let t: TestSim;
beforeAll(async () => {
  t = await startTestSim({ scenario: shortScenario(), seed: 7, speed: 0, start: SHORT_START });
});
afterAll(() => t.close());
afterEach(() => {
  expect(t.violations).toEqual([]);
});

/** Every page of one search, following next_token. */
async function pageAll(query: string, options: SearchOptions) {
  const paginator = await t.client.v2.search(query, { ...FIELDS, ...options });
  let pages = 1;
  while (!paginator.done) {
    await paginator.fetchNext();
    pages++;
  }
  return { paginator, pages };
}

describe('search/recent over a whole scenario', () => {
  it('pages a finished window with next_token to exactly the ground-truth ids, newest first', async () => {
    t.sim.clock.set(SHORT_END + 2 * 3_600_000);
    const { paginator, pages } = await pageAll('#alphatag', {
      start_time: new Date(SHORT_START).toISOString(),
    });
    const truth = (await t.truthPosts('AlphaTag')).filter((p) => !p.deleted_at);
    expect(pages).toBeGreaterThan(5);
    expect(paginator.tweets.map((tw) => tw.id)).toEqual(truth.map((p) => p.id));
    expect(t.checked()).toBe(pages);
  });

  it('polled with since_id while the clock runs, sees every final version, plus only older versions and deleted posts', async () => {
    // An overlap of 30 s (the default end lag) + 60 s (the longest searchable delay) catches late posts.
    const overlapMs = 91_000;
    const seen = new Set<string>();
    let since: string | undefined;
    let naiveSince: string | undefined;
    const naiveSeen = new Set<string>();
    for (let now = SHORT_START + 5 * 60_000; now <= SHORT_END + 45 * 60_000; now += 5 * 60_000) {
      t.sim.clock.set(now);
      const { paginator } = await pageAll('#AlphaTag OR #BetaTag', since ? { since_id: since } : {});
      for (const tweet of paginator.tweets) seen.add(tweet.id);
      since = snowflakeAt(now - overlapMs);
      const naive = await pageAll('#AlphaTag OR #BetaTag', naiveSince ? { since_id: naiveSince } : {});
      for (const tweet of naive.paginator.tweets) naiveSeen.add(tweet.id);
      naiveSince = naive.paginator.meta.newest_id ?? naiveSince;
    }
    const truth = [...(await t.truthPosts('AlphaTag')), ...(await t.truthPosts('BetaTag'))];
    const live = new Set(truth.filter((p) => !p.deleted_at).map((p) => p.id));
    const anyVersion = new Set(truth.flatMap((p) => p.edit_history_tweet_ids));
    expect([...live].filter((id) => !seen.has(id))).toEqual([]);
    expect([...seen].filter((id) => !anyVersion.has(id))).toEqual([]);
    // Without the overlap, posts that became searchable after since_id passed them are lost.
    const missedByNaive = [...live].filter((id) => !naiveSeen.has(id));
    expect(missedByNaive.length).toBeGreaterThan(0);
  });

  it('counts/recent per minute and per hour add up to the ground truth', async () => {
    t.sim.clock.set(SHORT_END + 3_600_000);
    const range = {
      start_time: new Date(SHORT_START).toISOString(),
      end_time: new Date(SHORT_END).toISOString(),
    };
    const hourly = await t.client.v2.tweetCountRecent('#BetaTag', { ...range, granularity: 'hour' });
    const minutes = await t.client.v2.tweetCountRecent('#BetaTag', { ...range, granularity: 'minute' });
    const truth = await fetch(
      `${t.sim.url}/__sim/truth/counts?hashtag=betatag&granularity=hour&${new URLSearchParams(range)}`,
    );
    const truthBody = (await truth.json()) as {
      data: { post_count: number }[];
      meta: { total_post_count: number };
    };
    expect(hourly.data.map((b) => b.tweet_count)).toEqual(truthBody.data.map((b) => b.post_count));
    expect(minutes.data).toHaveLength(120);
    expect(minutes.meta.total_tweet_count).toBe(truthBody.meta.total_post_count);
    expect(hourly.data[0]?.start).toBe('2024-05-01T10:00:00.000Z');
  });
});

describe('search/recent payloads', () => {
  beforeAll(() => t.sim.clock.set(SHORT_END + 3_600_000));
  const start_time = new Date(SHORT_START).toISOString();

  it('returns only the default fields when none are asked for, and no includes', async () => {
    const res = await rawGet(
      t.sim,
      `/2/tweets/search/recent?query=${encodeURIComponent('#AlphaTag')}&start_time=${start_time}`,
    );
    const body = JSON.parse(res.text) as {
      data: Record<string, unknown>[];
      includes?: unknown;
      meta: object;
    };
    expect(body.data).toHaveLength(10);
    for (const tweet of body.data)
      expect(Object.keys(tweet).sort()).toEqual(['edit_history_tweet_ids', 'id', 'text']);
    expect(body.includes).toBeUndefined();
    expect(Object.keys(body.meta).sort()).toEqual(['newest_id', 'next_token', 'oldest_id', 'result_count']);
  });

  it('sends meta but no data on an empty page', async () => {
    const res = await rawGet(t.sim, `/2/tweets/search/recent?query=${encodeURIComponent('#NobodyUsesThis')}`);
    expect(res.text).toBe('{"meta":{"result_count":0}}');
  });

  it('has ids consistent with created_at, deduplicated includes, and every author and reference resolvable', async () => {
    const { paginator } = await pageAll('#AlphaTag', { start_time, max_results: 100 });
    const page = await t.client.v2.search('#AlphaTag', { ...FIELDS, start_time });
    for (const tweet of paginator.tweets) {
      expect(Math.floor(snowflakeTime(tweet.id) / 1000) * 1000).toBe(Date.parse(tweet.created_at ?? ''));
    }
    const users = page.includes.users.map((u) => u.id);
    const tweets = page.includes.tweets.map((tw) => tw.id);
    expect(new Set(users).size).toBe(users.length);
    expect(new Set(tweets).size).toBe(tweets.length);
    for (const tweet of page.tweets) {
      expect(users).toContain(tweet.author_id);
      for (const ref of tweet.referenced_tweets ?? []) expect(tweets).toContain(ref.id);
    }
  });

  it('gives replies the replied-to author and the root as conversation', async () => {
    const { paginator } = await pageAll('#BetaTag is:reply', { start_time });
    expect(paginator.tweets.length).toBeGreaterThan(0);
    for (const reply of paginator.tweets) {
      const parent = paginator.includes.repliedTo(reply);
      expect(reply.in_reply_to_user_id).toBe(parent?.author_id);
      expect(reply.conversation_id).toBe(parent?.id);
      expect(reply.text.startsWith('@')).toBe(true);
    }
  });

  it('replays the same page for the same next_token, and rejects a token from another query', async () => {
    const first = await rawGet(t.sim, `/2/tweets/search/recent?query=%23AlphaTag&start_time=${start_time}`);
    const token = (JSON.parse(first.text) as { meta: { next_token: string } }).meta.next_token;
    const a = await rawGet(
      t.sim,
      `/2/tweets/search/recent?query=%23AlphaTag&start_time=${start_time}&next_token=${token}`,
    );
    const b = await rawGet(
      t.sim,
      `/2/tweets/search/recent?query=%23AlphaTag&start_time=${start_time}&next_token=${token}`,
    );
    expect(a.status).toBe(200);
    expect(a.text).toBe(b.text);
    const other = await rawGet(
      t.sim,
      `/2/tweets/search/recent?query=%23BetaTag&start_time=${start_time}&next_token=${token}`,
    );
    expect(other.status).toBe(400);
  });

  it('orders a relevancy page by engagement but names the same ids in meta', async () => {
    const recency = await t.client.v2.search('#AlphaTag', { ...FIELDS, start_time });
    const relevancy = await t.client.v2.search('#AlphaTag', {
      ...FIELDS,
      start_time,
      sort_order: 'relevancy',
    });
    expect(new Set(relevancy.tweets.map((tw) => tw.id))).toEqual(new Set(recency.tweets.map((tw) => tw.id)));
    expect(relevancy.meta.newest_id).toBe(recency.meta.newest_id);
    const engagement = relevancy.tweets.map((tw) => {
      const m = tw.public_metrics;
      return m ? m.like_count + m.retweet_count + m.reply_count + m.quote_count : 0;
    });
    expect(engagement).toEqual([...engagement].sort((x, y) => y - x));
  });
});
