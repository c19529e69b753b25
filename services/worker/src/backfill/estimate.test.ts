import { defaultPrices } from '@tagpulse/x-client';
import { describe, expect, it } from 'vitest';
import { estimateBackfill, refusal } from './estimate.js';

const prices = defaultPrices('pay-per-use');

describe('estimateBackfill', () => {
  it('prices each post once, a page per 500 posts at one a second, and the counts requests made', () => {
    expect(estimateBackfill(1198, 1, prices)).toEqual({
      posts: 1198,
      requests: 4,
      usd: 6,
      seconds: 3,
      countsUsd: 0.01,
    });
    expect(estimateBackfill(0, 2, { ...prices, emptyRequest: 0.005 })).toMatchObject({
      requests: 3,
      usd: 0.025,
      seconds: 1,
    });
  });
});

describe('refusal', () => {
  const est = estimateBackfill(1198, 1, prices);
  it('refuses above max_usd or the budget left, with the estimate in the reason', () => {
    expect(refusal(est, { maxUsd: 5, budgetRemainingUsd: undefined })).toBe(
      "estimate 1198 posts, 4 requests, $6.00, 3 s at the archive's rate: more than max_usd $5.00",
    );
    expect(refusal(est, { maxUsd: null, budgetRemainingUsd: 5.98 })).toContain(
      "more than the $5.98 left of this month's X budget",
    );
  });
  it('lets it go within both (the counts already spent are not charged to the remainder twice)', () => {
    expect(refusal(est, { maxUsd: 6, budgetRemainingUsd: 5.99 })).toBeUndefined();
  });
});
