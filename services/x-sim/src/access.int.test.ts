import { errorOf, simPerTest } from '@tagpulse/testkit/x-sim';
import { describe, expect, it } from 'vitest';
import { SHORT_END, shortScenario } from './testing/scenarios.js';

const NOW = SHORT_END + 3_600_000;
const sims = simPerTest();

describe('rate limits', () => {
  it('counts down per window, answers 429 as X does at the limit, and resets on the sim clock', async () => {
    const t = await sims.start({
      scenario: shortScenario(),
      speed: 0,
      start: NOW,
      tier: 'basic',
      rateLimits: { search: 3 },
    });
    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await t.client.v2.search('#AlphaTag');
      remaining.push(page.rateLimit.remaining);
      expect(page.rateLimit.limit).toBe(3);
      expect(page.rateLimit.reset).toBe(Math.ceil((NOW + 15 * 60_000) / 1000));
    }
    expect(remaining).toEqual([2, 1, 0]);
    const limited = await errorOf(t.client.v2.search('#AlphaTag'));
    expect(limited.code).toBe(429);
    expect(limited.rateLimitError).toBe(true);
    expect(limited.data).toEqual({
      title: 'Too Many Requests',
      type: 'about:blank',
      status: 429,
      detail: 'Too Many Requests',
    });
    expect(limited.rateLimit).toMatchObject({ limit: 3, remaining: 0 });
    // Other endpoints and other tokens have windows of their own.
    const counts = await t.client.v2.tweetCountRecent('#AlphaTag');
    expect(counts.meta.total_tweet_count).toBeGreaterThan(0);
    t.sim.clock.set((limited.rateLimit?.reset ?? 0) * 1000);
    expect((await t.client.v2.search('#AlphaTag')).rateLimit.remaining).toBe(2);
  });

  it('gives the basic tier 60 searches and 5 counts per 15 minutes', async () => {
    const t = await sims.start({ scenario: shortScenario(), speed: 0, start: NOW, tier: 'basic' });
    expect((await t.client.v2.search('#AlphaTag')).rateLimit.limit).toBe(60);
    const res = await fetch(`${t.sim.url}/2/tweets/counts/recent?query=%23AlphaTag`, {
      headers: { authorization: 'Bearer any' },
    });
    expect(res.headers.get('x-rate-limit-limit')).toBe('5');
    expect(res.headers.get('x-rate-limit-remaining')).toBe('4');
  });
});

describe('usage cap', () => {
  it('answers 429 UsageCapExceeded once the month’s posts are read, while the window still has room', async () => {
    const t = await sims.start({
      scenario: shortScenario(),
      speed: 0,
      start: NOW,
      tier: 'basic',
      usageCap: 25,
    });
    for (let i = 0; i < 3; i++) await t.client.v2.search('#AlphaTag', { max_results: 10 });
    const capped = await errorOf(t.client.v2.search('#AlphaTag'));
    expect(capped.code).toBe(429);
    expect(capped.rateLimitError).toBe(true);
    expect(capped.data).toEqual({
      account_id: expect.stringMatching(/^\d+$/),
      product_name: 'standard-basic',
      title: 'UsageCapExceeded',
      period: 'Monthly',
      scope: 'Product',
      detail: 'Usage cap exceeded: Monthly product cap',
      type: 'https://api.twitter.com/2/problems/usage-capped',
    });
    expect(capped.rateLimit?.remaining).toBe(57);
    // The cap is monthly: the next calendar month reads again.
    t.sim.clock.set(Date.parse('2024-06-01T00:00:00Z'));
    await expect(t.client.v2.search('#AlphaTag')).resolves.toBeDefined();
  });
});
