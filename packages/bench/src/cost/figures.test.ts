import type { Charge } from '@tagpulse/x-sim';
import { describe, expect, it } from 'vitest';
import { percentile, policySpend } from './figures.js';

const charge = (over: Partial<Charge>): Charge => ({
  token: 'a',
  day: '2020-07-06',
  at: '2020-07-06T12:00:00.000Z',
  endpoint: '/2/tweets/search/recent',
  resource_type: 'post',
  resource_ids: ['1', '2'],
  amount_usd: 0.01,
  ...over,
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([], 95)).toBe(0);
  });
});

describe('policySpend', () => {
  it("splits one token's charges since the span began into searches, empty searches and the rest", () => {
    const spend = policySpend(
      [
        charge({}),
        charge({ resource_ids: [], amount_usd: 0.005 }),
        charge({ endpoint: '/2/tweets', resource_ids: ['3'], amount_usd: 0.005 }),
        charge({ token: 'b' }),
        charge({ at: '2020-07-06T03:59:59.000Z' }),
      ],
      'a',
      new Date('2020-07-06T04:00:00Z'),
    );
    expect(spend).toEqual({
      searchUsd: 0.015,
      emptyUsd: 0.005,
      emptySearches: 1,
      postsBilled: 2,
      otherUsd: 0.005,
    });
  });
});
