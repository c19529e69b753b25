/** The endpoints x-sim serves under /2/, by the name their limits are configured under. */
export type Endpoint = 'search' | 'counts' | 'lookup';
export type Tier = 'basic' | 'pro';

export const WINDOW_MS = 15 * 60_000;

/**
 * Requests per 15 minutes per app (bearer token) and the monthly post cap, by
 * legacy access tier (X-API.md §3): search/recent 60 vs 450, counts/recent 5
 * vs 300; posts by id 15 vs 450; 15,000 vs 1,000,000 posts a month.
 */
export const TIERS: Record<Tier, { limits: Record<Endpoint, number>; usageCap: number; product: string }> = {
  basic: { limits: { search: 60, counts: 5, lookup: 15 }, usageCap: 15_000, product: 'standard-basic' },
  pro: { limits: { search: 450, counts: 300, lookup: 450 }, usageCap: 1_000_000, product: 'standard-pro' },
};

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

  constructor(private readonly limits: Record<Endpoint, number>) {}

  /** Counts one request if the window has room; `allowed` false means answer 429. */
  take(token: string, endpoint: Endpoint, now: number): RateState & { allowed: boolean } {
    const window = this.window(token, endpoint, now);
    const limit = this.limits[endpoint];
    const allowed = window.used < limit;
    if (allowed) window.used++;
    return { allowed, limit, remaining: limit - window.used, reset: Math.ceil(window.resetMs / 1000) };
  }

  /** The window as it stands, without counting a request. */
  peek(token: string, endpoint: Endpoint, now: number): RateState {
    const window = this.window(token, endpoint, now);
    const limit = this.limits[endpoint];
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

/** Posts read per token per calendar month (UTC, sim time), against the tier's cap. */
export class UsageMeter {
  private readonly used = new Map<string, { month: number; posts: number }>();

  constructor(readonly cap: number) {}

  exceeded(token: string, now: number): boolean {
    return this.current(token, now).posts >= this.cap;
  }

  add(token: string, posts: number, now: number): void {
    this.current(token, now).posts += posts;
  }

  private current(token: string, now: number) {
    const date = new Date(now);
    const month = date.getUTCFullYear() * 12 + date.getUTCMonth();
    let entry = this.used.get(token);
    if (!entry || entry.month !== month) {
      entry = { month, posts: 0 };
      this.used.set(token, entry);
    }
    return entry;
  }
}
