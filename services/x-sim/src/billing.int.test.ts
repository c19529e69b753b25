import { errorOf, rawGet, simClient, simPerTest, TEST_TOKEN } from '@tagpulse/testkit/x-sim';
import { describe, expect, it } from 'vitest';
import { tokenFingerprint } from './server/billing.js';
import { SHORT_END, shortScenario } from './testing/scenarios.js';

const NOW = SHORT_END + 3_600_000;
const NEXT_DAY = Date.parse('2024-05-02T09:00:00Z');
const sims = simPerTest();
const payPerUse = { scenario: shortScenario(), speed: 0, start: NOW } as const;

describe('pay-per-use billing', () => {
  it('bills a post once per UTC day and token, again the next day, includes too', async () => {
    const t = await sims.start(payPerUse);
    const options = { max_results: 20, expansions: ['referenced_tweets.id' as const] };
    const first = await t.client.v2.search('#AlphaTag', options);
    await t.client.v2.search('#AlphaTag', options);
    const returned = [...first.tweets.map((p) => p.id), ...first.includes.tweets.map((p) => p.id)];
    expect(first.includes.tweets.length).toBeGreaterThan(0);
    let billing = await t.billing();
    expect(billing.data).toEqual([
      {
        token: tokenFingerprint(TEST_TOKEN),
        day: '2024-05-01',
        at: new Date(NOW).toISOString(),
        endpoint: '/2/tweets/search/recent',
        resource_type: 'post',
        resource_ids: [...new Set(returned)],
        amount_usd: (new Set(returned).size * 5_000) / 1e6,
      },
    ]);
    // Another token is another app: billed on its own.
    await createOther(t.sim.url).v2.search('#AlphaTag', options);
    t.sim.clock.set(NEXT_DAY);
    await t.client.v2.search('#AlphaTag', {
      ...options,
      start_time: new Date(SHORT_END - 600_000).toISOString(),
    });
    billing = await t.billing();
    expect(billing.data.map((c) => c.day)).toEqual(['2024-05-01', '2024-05-01', '2024-05-02']);
    expect(billing.data[1]?.token).toBe(tokenFingerprint('another-token'));
    expect(billing.data[2]?.resource_ids).toEqual(billing.data[0]?.resource_ids);
    const total = billing.data.reduce((sum, c) => sum + c.resource_ids.length * 0.005, 0);
    expect(billing.total_usd).toBeCloseTo(total, 9);
  });

  it('bills counts per request, never per post', async () => {
    const t = await sims.start(payPerUse);
    await t.client.v2.tweetCountRecent('#AlphaTag');
    await t.client.v2.tweetCountRecent('#AlphaTag');
    const billing = await t.billing();
    expect(billing.data.map((c) => [c.endpoint, c.resource_type, c.resource_ids, c.amount_usd])).toEqual([
      ['/2/tweets/counts/recent', 'request', [], 0.005],
      ['/2/tweets/counts/recent', 'request', [], 0.005],
    ]);
    expect(billing.total_usd).toBe(0.01);
  });

  it('bills expanded authors and empty searches only when told to', async () => {
    const defaults = await sims.start(payPerUse);
    const withAuthors = { max_results: 10, expansions: ['author_id' as const] };
    await defaults.client.v2.search('#AlphaTag', withAuthors);
    await defaults.client.v2.search('#NoSuchTagAnywhere');
    expect((await defaults.billing()).data.map((c) => c.resource_type)).toEqual(['post']);
    await defaults.close();

    const t = await sims.start({ ...payPerUse, billExpandedUsers: true, billEmptySearch: true });
    const page = await t.client.v2.search('#AlphaTag', withAuthors);
    const empty = await t.client.v2.search('#NoSuchTagAnywhere');
    expect(empty.tweets).toEqual([]);
    const billing = await t.billing();
    expect(billing.data.map((c) => [c.resource_type, c.resource_ids.length, c.amount_usd])).toEqual([
      ['post', 10, 0.05],
      ['user', page.includes.users.length, (page.includes.users.length * 10_000) / 1e6],
      ['post', 0, 0.005],
    ]);
    expect(billing.data[1]?.resource_ids).toEqual(page.includes.users.map((u) => u.id));
  });
});

describe('credits, spending limit and cap', () => {
  it('serves the request that empties the credits, then answers 402 CreditsDepleted as live X', async () => {
    const t = await sims.start({ ...payPerUse, credits: 0.06 });
    const page = await t.client.v2.search('#AlphaTag', { max_results: 10 });
    await page.fetchNext(10); // $0.10 billed: the balance is now negative, as X allows
    const refused = await errorOf(t.client.v2.search('#BetaTag'));
    expect(refused.code).toBe(402);
    expect(refused.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(refused.data).toEqual({
      title: 'CreditsDepleted',
      detail: 'Your enrolled account [1000001] does not have any credits to fulfill this request.',
      type: 'https://api.twitter.com/2/problems/credits',
    });
    await expect(t.client.v2.tweetCountRecent('#AlphaTag')).rejects.toMatchObject({ code: 402 });
    expect((await t.billing()).total_usd).toBe(0.1);
  });

  it('stops at the spending limit until the next billing cycle', async () => {
    const t = await sims.start({ ...payPerUse, spendingLimit: 0.05 });
    await t.client.v2.search('#AlphaTag', { max_results: 10 });
    expect((await errorOf(t.client.v2.search('#AlphaTag'))).code).toBe(402);
    t.sim.clock.set(Date.parse('2024-06-01T00:00:00Z'));
    const june = await t.client.v2.search('#AlphaTag', {
      max_results: 10,
      start_time: '2024-05-26T00:00:00Z',
    });
    expect(june.meta.result_count).toBe(0);
    expect((await t.billing()).total_usd).toBe(0.05);
  });

  it('caps the month’s billed posts with 429 UsageCapExceeded; re-reads the same day do not count', async () => {
    const t = await sims.start({ ...payPerUse, usageCap: 15 });
    const page = await t.client.v2.search('#AlphaTag', { max_results: 10 });
    await t.client.v2.search('#AlphaTag', { max_results: 10 }); // the same ten posts: not billed again
    await page.fetchNext(10);
    const capped = await errorOf(t.client.v2.search('#AlphaTag'));
    expect(capped.code).toBe(429);
    expect(capped.data).toMatchObject({ title: 'UsageCapExceeded', product_name: 'pay-per-use' });
  });
});

describe('GET /2/usage/tweets', () => {
  it('agrees with /__sim/billing, per UTC day and app, with its own rate limit', async () => {
    const t = await sims.start(payPerUse);
    await t.client.v2.search('#AlphaTag', { max_results: 30 });
    await t.client.v2.search('#BetaTag', { max_results: 20 });
    await createOther(t.sim.url).v2.search('#AlphaTag', { max_results: 50 });
    t.sim.clock.set(NEXT_DAY);
    await t.client.v2.search('#AlphaTag', { max_results: 40, start_time: '2024-05-01T11:00:00Z' });

    const res = await t.client.v2.usage({ days: 3 });
    const billed = async (day: string) =>
      (await t.billing()).data
        .filter((c) => c.resource_type === 'post' && c.day === day)
        .reduce((sum, c) => sum + c.resource_ids.length, 0);
    const usage = res.data as unknown as {
      daily_project_usage: { usage: { date: string; usage: number }[] };
      daily_client_app_usage: { usage: { date: string; usage: number }[] }[];
      project_usage: number;
      project_cap: number;
      cap_reset_day: number;
    };
    expect(usage.daily_project_usage.usage).toEqual([
      { date: '2024-04-30T00:00:00.000Z', usage: 0 },
      { date: '2024-05-01T00:00:00.000Z', usage: await billed('2024-05-01') },
      { date: '2024-05-02T00:00:00.000Z', usage: await billed('2024-05-02') },
    ]);
    expect(await billed('2024-05-01')).toBeGreaterThan(50);
    expect(usage.daily_client_app_usage).toHaveLength(2);
    expect(usage.project_usage).toBe((await billed('2024-05-01')) + (await billed('2024-05-02')));
    expect(usage.project_cap).toBe(3_000_000);
    expect(usage.cap_reset_day).toBe(30);
    const again = await rawGet(t.sim, '/2/usage/tweets');
    expect(again.headers.get('x-rate-limit-limit')).toBe('50');
    expect(again.headers.get('x-rate-limit-remaining')).toBe('48');
    // Reading usage is free.
    expect((await t.billing()).data.every((c) => c.endpoint !== '/2/usage/tweets')).toBe(true);
  });

  it('is refused with X’s 400 outside 1–90 days', async () => {
    const t = await sims.start(payPerUse);
    const bad = await errorOf(t.client.v2.usage({ days: 91 }));
    expect(bad.code).toBe(400);
  });
});

describe('access levels', () => {
  it('keeps the full archive from Basic with 403 client-forbidden, and does not meter the plans', async () => {
    const t = await sims.start({ ...payPerUse, access: 'basic' });
    const forbidden = await errorOf(t.client.v2.searchAll('#AlphaTag'));
    expect(forbidden.code).toBe(403);
    expect(forbidden.data).toMatchObject({ reason: 'client-not-enrolled', title: 'Client Forbidden' });
    expect((await errorOf(t.client.v2.tweetCountAll('#AlphaTag'))).code).toBe(403);
    await t.client.v2.search('#AlphaTag');
    expect(await t.billing()).toEqual({ data: [], total_usd: 0 });
  });

  it('opens the archive to Pro and enterprise, unmetered, with their own limits', async () => {
    for (const access of ['pro', 'enterprise'] as const) {
      const t = await sims.start({ ...payPerUse, access });
      const page = await t.client.v2.searchAll('#AlphaTag', { start_time: '2024-05-01T10:00:00Z' });
      expect(page.meta.result_count).toBe(10);
      expect(page.rateLimit.limit).toBe(300);
      expect((await rawGet(t.sim, '/2/tweets?ids=1')).headers.get('x-rate-limit-limit')).toBe(
        access === 'pro' ? '450' : '3500',
      );
      expect((await t.billing()).data).toEqual([]);
      if (access === 'enterprise') continue; // closed and checked after the test
      await t.close();
      expect(t.violations).toEqual([]);
    }
  });
});

function createOther(url: string) {
  return simClient(url, 'another-token');
}
