/** The X access bought: pay-per-use bills every read; the monthly plans include them. */
export type XAccess = 'pay-per-use' | 'basic' | 'pro' | 'enterprise';

/** What one X request bills, in USD. */
export interface XPrices {
  /** Each post returned (includes too), once per UTC day. */
  postRead: number;
  /** Each user returned (expanded authors, when X bills them), once per UTC day. */
  userRead: number;
  /** Each `counts/recent` request. */
  countsRecent: number;
  /** Each `counts/all` request. */
  countsAll: number;
  /** A search that returned nothing (X documents no charge). */
  emptyRequest: number;
}

/**
 * X's published pay-per-use table (docs `x-api/getting-started/pricing.mdx`, the
 * emulator's `internal/playground/credits.go`: Post 0.005, User 0.01,
 * CountsRecent 0.005, CountsAll 0.01). The monthly plans bill a fee, not reads.
 */
export function defaultPrices(access: XAccess): XPrices {
  if (access !== 'pay-per-use')
    return { postRead: 0, userRead: 0, countsRecent: 0, countsAll: 0, emptyRequest: 0 };
  return { postRead: 0.005, userRead: 0.01, countsRecent: 0.005, countsAll: 0.01, emptyRequest: 0 };
}
