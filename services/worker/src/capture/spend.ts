import type { SpendEntry, SpendPurpose } from '@tagpulse/db';
import type { Billable, XPrices } from '@tagpulse/x-client';

export type XEndpoint =
  | 'search/recent'
  | 'search/all'
  | 'counts/recent'
  | 'counts/all'
  | 'tweets'
  | 'usage/tweets';

const COUNTS: Partial<Record<XEndpoint, keyof XPrices>> = {
  'counts/recent': 'countsRecent',
  'counts/all': 'countsAll',
};

/** The ledger entry of one X request that returned: what it brought, priced from configuration. */
export function spendEntry(
  prices: XPrices,
  request: {
    at: Date;
    endpoint: XEndpoint;
    purpose: SpendPurpose;
    billable?: Billable;
    queryKey?: string;
    tagKeys?: string[];
  },
): SpendEntry {
  const counts = COUNTS[request.endpoint];
  return {
    at: request.at,
    endpoint: request.endpoint,
    purpose: request.purpose,
    queryKey: request.queryKey ?? null,
    tagKeys: request.tagKeys ?? [],
    postIds: request.billable?.postIds ?? [],
    userIds: request.billable?.userIds ?? [],
    countsRequests: counts ? 1 : 0,
    prices: {
      postRead: prices.postRead,
      userRead: prices.userRead,
      countsRequest: counts ? prices[counts] : 0,
      // Only a search that found nothing may bill as one (X_PRICE_EMPTY_REQUEST).
      emptyRequest: request.endpoint.startsWith('search/') ? prices.emptyRequest : 0,
    },
  };
}
