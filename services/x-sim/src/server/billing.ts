import { createHash } from 'node:crypto';
import { utcDay } from './access.js';

/**
 * Pay-per-use prices in micro-dollars (integers, so sums are exact): X's price
 * table in xdevplatform/playground `internal/playground/credits.go`
 * (`defaultPricingConfigHardcoded`), the same figures as xdevplatform/docs
 * `x-api/getting-started/pricing.mdx`: Posts: Read $0.005 and User: Read $0.010
 * per resource, Counts: Recent $0.005 and Counts: All $0.010 per request.
 */
export const PRICES_MICROS = { post: 5_000, user: 10_000, countsRecent: 5_000, countsAll: 10_000 } as const;

export type ResourceType = 'post' | 'user' | 'request';

export interface BillingOptions {
  /** Prepaid credits in USD; undefined = never runs out. */
  credits?: number | undefined;
  /** Most the account may spend per billing cycle (UTC calendar month), in USD; undefined = none. */
  spendingLimit?: number | undefined;
  /** Bill each user in `includes.users` as a User read. Default false (see README, "Billing"). */
  billExpandedUsers?: boolean | undefined;
  /** Bill a search page with no posts as one Post read. Default false (see README, "Billing"). */
  billEmptySearch?: boolean | undefined;
}

/** One charge, as `/__sim/billing` lists it. */
export interface Charge {
  /** The bearer token's fingerprint ({@link tokenFingerprint}); x-sim never echoes a secret. */
  token: string;
  /** UTC day of the request (sim time), `YYYY-MM-DD`: the de-duplication window. */
  day: string;
  /** Sim time of the request. */
  at: string;
  endpoint: string;
  resource_type: ResourceType;
  /** Resources billed (newly this UTC day); empty for per-request charges. */
  resource_ids: string[];
  amount_usd: number;
}

/** What one answered request read, for billing. */
export interface Reads {
  /** Every post in `data` and `includes.tweets`. */
  postIds: readonly string[];
  /** Every user in `includes.users`. */
  userIds: readonly string[];
}

/** The first 16 hex digits of the token's SHA-256: names a token in ground truth without revealing it. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

const REQUEST_PRICES: Record<string, number> = {
  '/2/tweets/counts/recent': PRICES_MICROS.countsRecent,
  '/2/tweets/counts/all': PRICES_MICROS.countsAll,
};
const SEARCHES = new Set(['/2/tweets/search/recent', '/2/tweets/search/all']);

/**
 * The pay-per-use ledger: every charge per token, with X's rules. A post (or
 * user) returned again on the same UTC day by the same token is not billed
 * again; the next UTC day it is. Counts are billed per request. Credits and the
 * spending limit are the account's (all tokens); the request that crosses zero
 * is served and billed in full, so the balance can go slightly negative, as
 * X's pricing page says, and every later request is refused.
 */
export class BillingLedger {
  private readonly charges: Charge[] = [];
  private readonly chargeMicros: number[] = [];
  /** `${token}\u0000${day}` → `${type}:${id}` already billed that UTC day. */
  private readonly seen = new Map<string, Set<string>>();
  private spentMicros = 0;
  private readonly monthMicros = new Map<string, number>();

  constructor(private readonly options: BillingOptions = {}) {}

  /** Why the account may not be served now, or undefined when it may. */
  refusal(now: number): 'credits' | 'spending-limit' | undefined {
    const { credits, spendingLimit } = this.options;
    if (credits !== undefined && this.spentMicros >= Math.round(credits * 1e6)) return 'credits';
    if (
      spendingLimit !== undefined &&
      (this.monthMicros.get(monthKey(now)) ?? 0) >= Math.round(spendingLimit * 1e6)
    ) {
      return 'spending-limit';
    }
    return undefined;
  }

  /**
   * Bills one served request; returns how many posts it billed (what counts
   * toward the monthly Post cap and `/2/usage/tweets`).
   */
  bill(token: string, endpoint: string, reads: Reads, now: number): number {
    const day = utcDay(now);
    const charge = (type: ResourceType, ids: string[], micros: number) =>
      this.record({ token: tokenFingerprint(token), day, now, endpoint, type, ids, micros });
    const requestPrice = REQUEST_PRICES[endpoint];
    if (requestPrice !== undefined) {
      charge('request', [], requestPrice);
      return 0;
    }
    const posts = this.fresh(token, day, 'post', reads.postIds);
    if (posts.length > 0) charge('post', posts, posts.length * PRICES_MICROS.post);
    else if (reads.postIds.length === 0 && SEARCHES.has(endpoint) && this.options.billEmptySearch) {
      charge('post', [], PRICES_MICROS.post);
    }
    if (this.options.billExpandedUsers) {
      const users = this.fresh(token, day, 'user', reads.userIds);
      if (users.length > 0) charge('user', users, users.length * PRICES_MICROS.user);
    }
    return posts.length;
  }

  /** Every charge so far, oldest first, and their sum. */
  report(): { data: Charge[]; total_usd: number } {
    return { data: this.charges, total_usd: this.chargeMicros.reduce((sum, m) => sum + m, 0) / 1e6 };
  }

  /** The ids not yet billed to this token today, marked billed. */
  private fresh(token: string, day: string, type: ResourceType, ids: readonly string[]): string[] {
    const key = `${token}\u0000${day}`;
    let seen = this.seen.get(key);
    if (!seen) {
      seen = new Set();
      this.seen.set(key, seen);
    }
    const out: string[] = [];
    for (const id of ids) {
      const resource = `${type}:${id}`;
      if (seen.has(resource)) continue;
      seen.add(resource);
      out.push(id);
    }
    return out;
  }

  private record(c: {
    token: string;
    day: string;
    now: number;
    endpoint: string;
    type: ResourceType;
    ids: string[];
    micros: number;
  }): void {
    this.charges.push({
      token: c.token,
      day: c.day,
      at: new Date(c.now).toISOString(),
      endpoint: c.endpoint,
      resource_type: c.type,
      resource_ids: c.ids,
      amount_usd: c.micros / 1e6,
    });
    this.chargeMicros.push(c.micros);
    this.spentMicros += c.micros;
    const month = monthKey(c.now);
    this.monthMicros.set(month, (this.monthMicros.get(month) ?? 0) + c.micros);
  }
}

const monthKey = (ms: number) => new Date(ms).toISOString().slice(0, 7);
