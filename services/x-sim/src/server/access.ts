/** The endpoints x-sim serves under /2/, by the name their limits are configured under. */
export type Endpoint = 'search' | 'counts' | 'lookup' | 'searchAll' | 'countsAll' | 'usage';
/** How a project pays X: credits per resource since 2026-02-06, or one of the plans still sold. */
export type Access = 'pay-per-use' | 'basic' | 'pro' | 'enterprise';
/** The legacy tiers, as the `tier` option has always named them. */
export type Tier = 'basic' | 'pro';

export const WINDOW_MS = 15 * 60_000;

export interface AccessLevel {
  /** Requests per 15 minutes per app (bearer token); an endpoint left out is not in the plan (403). */
  limits: Partial<Record<Endpoint, number>>;
  /** Posts a month before X answers 429 UsageCapExceeded. */
  usageCap: number;
  /** The `product_name` X puts in usage-cap bodies. */
  product: string;
  /** Billed per resource and request from credits (pay-per-use); the plans are a monthly fee instead. */
  metered: boolean;
  /** What the plan costs a month, in USD (0 for pay-per-use, which bills usage instead; null: negotiated). */
  monthlyUsd: number | null;
}

/**
 * Each access level's endpoints, limits and cap. Pay-per-use and enterprise:
 * the rate-limit table of xdevplatform/docs `x-api/fundamentals/rate-limits.mdx`
 * (lookup 3,500, search/recent 450, search/all 300 and 1/s, counts 300 each,
 * usage 50 per 15 min) and the 3 million Post reads a month of
 * `x-api/getting-started/pricing.mdx`. Basic and Pro: the legacy tier limits
 * (X-API.md §3): search/recent 60 vs 450, counts/recent 5 vs 300, lookup 15 vs
 * 450, 15,000 vs 1,000,000 posts a month; the full archive was Pro's only.
 * Enterprise limits are negotiated: x-sim gives it pay-per-use's and no cap.
 */
export const ACCESS: Record<Access, AccessLevel> = {
  'pay-per-use': {
    limits: { search: 450, counts: 300, lookup: 3_500, searchAll: 300, countsAll: 300, usage: 50 },
    usageCap: 3_000_000,
    product: 'pay-per-use',
    metered: true,
    monthlyUsd: 0,
  },
  basic: {
    limits: { search: 60, counts: 5, lookup: 15, usage: 50 },
    usageCap: 15_000,
    product: 'standard-basic',
    metered: false,
    monthlyUsd: 200,
  },
  pro: {
    limits: { search: 450, counts: 300, lookup: 450, searchAll: 300, countsAll: 300, usage: 50 },
    usageCap: 1_000_000,
    product: 'standard-pro',
    metered: false,
    monthlyUsd: 5_000,
  },
  enterprise: {
    limits: { search: 450, counts: 300, lookup: 3_500, searchAll: 300, countsAll: 300, usage: 50 },
    usageCap: Number.POSITIVE_INFINITY,
    product: 'enterprise',
    metered: false,
    monthlyUsd: null,
  },
};

/** The legacy tiers, kept for callers of the `tier` option. */
export const TIERS: Record<Tier, AccessLevel> = { basic: ACCESS.basic, pro: ACCESS.pro };

export interface RateState {
  limit: number;
  remaining: number;
  /** Epoch seconds (sim time) when the window resets. */
  reset: number;
}

/**
 * 15-minute windows per token and endpoint, in sim time: a window opens at the
 * first request and resets 15 minutes later.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { resetMs: number; used: number }>();

  constructor(private readonly limits: Partial<Record<Endpoint, number>>) {}

  /** Whether the endpoint is in the plan at all. */
  serves(endpoint: Endpoint): boolean {
    return this.limits[endpoint] !== undefined;
  }

  /** Counts one request if the window has room; `allowed` false means answer 429. */
  take(token: string, endpoint: Endpoint, now: number): RateState & { allowed: boolean } {
    const window = this.window(token, endpoint, now);
    const limit = this.limits[endpoint] ?? 0;
    const allowed = window.used < limit;
    if (allowed) window.used++;
    return { allowed, limit, remaining: limit - window.used, reset: Math.ceil(window.resetMs / 1000) };
  }

  /** The window as it stands, without counting a request. */
  peek(token: string, endpoint: Endpoint, now: number): RateState {
    const window = this.window(token, endpoint, now);
    const limit = this.limits[endpoint] ?? 0;
    return { limit, remaining: Math.max(0, limit - window.used), reset: Math.ceil(window.resetMs / 1000) };
  }

  private window(token: string, endpoint: Endpoint, now: number) {
    const key = `${endpoint}\u0000${token}`;
    let window = this.windows.get(key);
    if (!window || now >= window.resetMs) {
      window = { resetMs: now + WINDOW_MS, used: 0 };
      this.windows.set(key, window);
    }
    return window;
  }
}

/**
 * Full-archive search's one request per second per token, on the sim clock: a
 * request is allowed once a whole simulated second has passed since the last
 * allowed one, so a frozen clock allows one request until it moves.
 */
export class PerSecondPacer {
  private readonly last = new Map<string, number>();

  /** Undefined when the request may go; otherwise the state to answer 429 with. */
  take(token: string, now: number): RateState | undefined {
    const last = this.last.get(token);
    if (last !== undefined && now < last + 1000) {
      return { limit: 1, remaining: 0, reset: Math.ceil((last + 1000) / 1000) };
    }
    this.last.set(token, now);
    return undefined;
  }
}

export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const monthOf = (ms: number) => {
  const date = new Date(ms);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
};

/**
 * Posts read per token per UTC day, against the monthly cap (calendar month,
 * UTC, sim time). What counts is the caller's: posts returned on the plans,
 * posts billed (after the day's de-duplication) on pay-per-use.
 */
export class UsageMeter {
  /** token → UTC day → posts. */
  private readonly days = new Map<string, Map<string, number>>();

  constructor(readonly cap: number) {}

  exceeded(token: string, now: number): boolean {
    return this.monthTotal(token, now) >= this.cap;
  }

  add(token: string, posts: number, now: number): void {
    let byDay = this.days.get(token);
    if (!byDay) {
      byDay = new Map();
      this.days.set(token, byDay);
    }
    const day = utcDay(now);
    byDay.set(day, (byDay.get(day) ?? 0) + posts);
  }

  /** Every token's posts on that UTC day. */
  daily(day: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const [token, byDay] of this.days) {
      const posts = byDay.get(day);
      if (posts !== undefined) out.set(token, posts);
    }
    return out;
  }

  /** Posts of the token (or all tokens) in the calendar month holding `now`. */
  monthTotal(token: string | undefined, now: number): number {
    const month = monthOf(now);
    let total = 0;
    for (const [t, byDay] of this.days) {
      if (token !== undefined && t !== token) continue;
      for (const [day, posts] of byDay) if (monthOf(Date.parse(day)) === month) total += posts;
    }
    return total;
  }
}
