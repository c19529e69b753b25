import { ARCHIVE_PAGE_SIZE, ARCHIVE_REQUEST_MS } from '@tagpulse/core';
import type { XPrices } from '@tagpulse/x-client';

export interface BackfillEstimate {
  posts: number;
  /** search/all pages to read, plus the counts/all requests the estimate took. */
  requests: number;
  usd: number;
  /** X time the search pages take at the archive's rate limit. */
  seconds: number;
  /** What the counts requests already cost; the rest is what the search would. */
  countsUsd: number;
}

/**
 * What a back-fill will cost, from X's own count of the span's posts: each post read once
 * (X bills a post once a UTC day), one request per 500 posts, one per second.
 */
export function estimateBackfill(posts: number, countsRequests: number, prices: XPrices): BackfillEstimate {
  const pages = Math.max(1, Math.ceil(posts / ARCHIVE_PAGE_SIZE));
  const countsUsd = countsRequests * prices.countsAll;
  const searchUsd = posts * prices.postRead + (posts === 0 ? prices.emptyRequest : 0);
  return {
    posts,
    requests: pages + countsRequests,
    usd: round(countsUsd + searchUsd),
    seconds: Math.ceil((pages * ARCHIVE_REQUEST_MS) / 1_000),
    countsUsd: round(countsUsd),
  };
}

/**
 * Why a back-fill may not go on, or undefined when it may: its search costs more than the
 * caller's `maxUsd` allows (counts included) or than is left of the month's budget.
 */
export function refusal(
  estimate: BackfillEstimate,
  limits: { maxUsd: number | null; budgetRemainingUsd: number | undefined },
): string | undefined {
  const usd = (x: number) => `$${x.toFixed(2)}`;
  const what = `estimate ${estimate.posts} posts, ${estimate.requests} requests, ${usd(estimate.usd)}, ${estimate.seconds} s at the archive's rate`;
  if (limits.maxUsd !== null && estimate.usd > limits.maxUsd) {
    return `${what}: more than max_usd ${usd(limits.maxUsd)}`;
  }
  const searchUsd = estimate.usd - estimate.countsUsd;
  if (limits.budgetRemainingUsd !== undefined && searchUsd > limits.budgetRemainingUsd) {
    return `${what}: more than the ${usd(limits.budgetRemainingUsd)} left of this month's X budget`;
  }
  return undefined;
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;
