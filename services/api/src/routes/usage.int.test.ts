import { budgetRepository, type SpendEntry, spendLedger } from '@tagpulse/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../testing/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const PRICES = { postRead: 0.005, userRead: 0, countsRequest: 0.005, emptyRequest: 0 };

describe('GET /v1/usage', () => {
  it('answers before any spend, with nothing spent and no budget', async () => {
    const res = await t.call('GET', '/v1/usage');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      today: { usd: 0, requests: 0 },
      month: { usd: 0 },
      budget: null,
      days: [],
    });
  });

  it('reports spend by query and purpose in the zone asked, beside X’s count, with the budget step', async () => {
    const db = t.testDb.db;
    const at = new Date('2020-07-06T22:30:00Z');
    const base: Omit<SpendEntry, 'at' | 'purpose' | 'postIds'> = {
      endpoint: 'search/recent',
      queryKey: 'q1',
      tagKeys: ['virtualctweek'],
      userIds: [],
      countsRequests: 0,
      prices: PRICES,
    };
    await spendLedger.recordSpend(db, { ...base, at, purpose: 'poll', postIds: ['1', '2', '3'] });
    await spendLedger.recordSpend(db, { ...base, at, purpose: 'overlap', postIds: ['3'] });
    await spendLedger.recordSpend(db, {
      ...base,
      at,
      endpoint: 'counts/recent',
      purpose: 'coverage',
      queryKey: null,
      tagKeys: ['virtualctweek'],
      postIds: [],
      countsRequests: 1,
    });
    await spendLedger.recordXUsage(db, [{ day: new Date('2020-07-06T00:00:00Z'), posts: 4 }], at);
    await budgetRepository.saveBudgetState(db, {
      month: new Date('2020-07-01T00:00:00Z'),
      step: 'thin_refresh',
      spentUsd: 0.02,
      budgetUsd: 0.025,
      at,
    });

    const usage = (await t.call('GET', '/v1/usage', { query: { tz: 'Asia/Tokyo' } })).json();
    expect(usage.as_of).toBe('2020-07-07T07:30:00.000+09:00');
    expect(usage.today).toMatchObject({
      usd: 0.02,
      requests: 3,
      posts_returned: 4,
      posts_billed: 3,
      counts_requests: 1,
    });
    expect(usage.by_purpose.map((p: { purpose: string; usd: number }) => [p.purpose, p.usd])).toEqual([
      ['poll', 0.015],
      ['coverage', 0.005],
      ['overlap', 0],
    ]);
    expect(usage.by_query.map((q: { query: string | null }) => q.query)).toEqual(['q1', null]);
    expect(usage.days).toEqual([
      { day: '2020-07-06', usd: 0.02, posts_billed: 3, x_posts: 4, disagrees: true },
    ]);
    expect(usage.budget).toEqual({ usd: 0.025, used: 0.8, remaining_usd: 0.005, step: 'thin_refresh' });

    const status = (await t.call('GET', '/v1/status')).json();
    expect(status.budget).toEqual({
      month: '2020-07',
      step: 'thin_refresh',
      spent_usd: 0.02,
      budget_usd: 0.025,
      paused_at: null,
    });
  });

  it('needs a key, and names a bad parameter', async () => {
    expect((await t.call('GET', '/v1/usage', { key: null })).statusCode).toBe(401);
    const bad = await t.call('GET', '/v1/usage', { query: { days: '0' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('days');
  });
});
