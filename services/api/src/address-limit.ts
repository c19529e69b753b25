import { LRUCache } from 'lru-cache';

/** Client addresses remembered at most; the least recently seen are forgotten first. */
const MAX_ADDRESSES = 100_000;

/**
 * The client an address stands for: an IPv4 address, or an IPv6 /64 (one
 * host is given a whole /64, so counting single IPv6 addresses counts nothing).
 */
export function clientOf(address: string): string {
  if (!address.includes(':') || address.startsWith('::ffff:')) return address.replace(/^::ffff:/, '');
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/**
 * Requests per client address in fixed windows, counted in this process's
 * memory: it needs neither Redis nor Postgres, so it holds while they are
 * down, and a refused request costs no round trip.
 */
export class AddressLimit {
  readonly #windows = new LRUCache<string, { count: number; endsAt: number }>({ max: MAX_ADDRESSES });

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a request from `address`; when over the limit, the seconds until its window ends. */
  take(address: string): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const client = clientOf(address);
    const now = this.now();
    let window = this.#windows.get(client);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + this.windowMs };
      this.#windows.set(client, window);
    }
    window.count += 1;
    if (window.count <= this.max) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.endsAt - now) / 1000)) };
  }
}
