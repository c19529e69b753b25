import type { Charge } from '@tagpulse/x-sim';

const SEARCH = '/2/tweets/search/recent';

/** The p-th percentile (nearest rank) of the values; 0 without any. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface PolicySpend {
  /** What X billed the token's searches: the capture's cost. */
  searchUsd: number;
  /** Of it, searches that found nothing, billed as one post read each. */
  emptyUsd: number;
  emptySearches: number;
  /** Posts billed by search (a post is billed once per UTC day). */
  postsBilled: number;
  /** Everything else the worker read (engagement look-ups, X's counts for coverage). */
  otherUsd: number;
}

/** A token's charges in x-sim's billing from `from` on (X time), split into capture's searches and the rest. */
export function policySpend(charges: readonly Charge[], token: string, from: Date): PolicySpend {
  const mine = charges.filter((c) => c.token === token && Date.parse(c.at) >= from.getTime());
  const searches = mine.filter((c) => c.endpoint === SEARCH);
  const empty = searches.filter((c) => c.resource_type === 'post' && c.resource_ids.length === 0);
  const usd = (cs: readonly Charge[]) => cs.reduce((sum, c) => sum + c.amount_usd, 0);
  return {
    searchUsd: usd(searches),
    emptyUsd: usd(empty),
    emptySearches: empty.length,
    postsBilled: searches.reduce((n, c) => n + c.resource_ids.length, 0),
    otherUsd: usd(mine.filter((c) => c.endpoint !== SEARCH)),
  };
}
