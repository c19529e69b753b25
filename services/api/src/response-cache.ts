import type { Change, Database } from '@tagpulse/db';
import type { FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';

/** The longest bucket: a change to a week row starting at t touches answers about [t, t + 7 days). */
const WEEK_MS = 7 * 86_400_000;

interface Entry {
  value: unknown;
  /** Roll-up buckets starting in [lo, hi) were read; undefined when no roll-up was (the hashtag list). */
  lo?: number;
  hi?: number;
}

export interface CacheOptions {
  /** Bytes of cached answers kept, by the sizes callers give. */
  maxBytes: number;
  /** False while changes may be missed (the change feed is down): then nothing is cached or served. */
  trusted: () => boolean;
  /**
   * The pool to compute an answer on: the read replica once it has replayed every change heard,
   * else the primary (ReadPools.forAnswer), so no answer kept misses a change the cache was told of.
   */
  pool: () => Promise<Kysely<Database>>;
}

export type CacheStatus = 'hit' | 'miss' | 'off';

/** The response header telling whether an answer came from the cache: hit, miss or off. */
export const CACHE_HEADER = 'x-tagpulse-cache';

/**
 * Answers computed from the database, kept until a change could alter them.
 * The database announces every roll-up write with the range of buckets it
 * touched and every change of the tracked hashtags (see the change feed);
 * an answer is dropped when a change overlaps what it read. An answer being
 * computed while any change arrives is not kept: it may predate the change.
 */
export class ResponseCache {
  readonly #entries: LRUCache<string, Entry>;
  readonly #trusted: () => boolean;
  readonly #pool: () => Promise<Kysely<Database>>;
  // Answers being computed: a burst of the same question (a dashboard opened by a whole team)
  // runs one computation, not one per request.
  readonly #computing = new Map<string, Promise<unknown>>();
  #epoch = 0;

  constructor({ maxBytes, trusted, pool }: CacheOptions) {
    this.#entries = new LRUCache<string, Entry>({ maxSize: maxBytes });
    this.#trusted = trusted;
    this.#pool = pool;
  }

  /**
   * The answer for `key`, computed by `compute` on the pool given unless kept. `reads` is the
   * period of roll-up buckets the answer depends on (omit for answers that
   * only the hashtag list changes); `size` its approximate bytes.
   */
  async get<T>(
    key: string,
    compute: (db: Kysely<Database>) => Promise<T>,
    { reads, size = 1024 }: { reads?: { from: Date; to: Date }; size?: number | ((value: T) => number) } = {},
  ): Promise<{ value: T; status: CacheStatus }> {
    if (!this.#trusted()) return { value: await compute(await this.#pool()), status: 'off' };
    const kept = this.#entries.get(key);
    if (kept) return { value: kept.value as T, status: 'hit' };
    const running = this.#computing.get(key);
    if (running) return { value: (await running) as T, status: 'miss' };
    // Taken before the pool is chosen: a change heard while choosing may not be in the pool chosen.
    const epoch = this.#epoch;
    const computation = this.#pool().then(compute);
    this.#computing.set(key, computation);
    let value: T;
    try {
      value = await computation;
    } finally {
      this.#computing.delete(key);
    }
    if (epoch === this.#epoch && this.#trusted()) {
      const bytes = Math.max(1, typeof size === 'function' ? size(value) : size);
      // A week bucket starting up to 7 days before `from` holds part of the period.
      const range = reads ? { lo: reads.from.getTime() - WEEK_MS, hi: reads.to.getTime() } : {};
      this.#entries.set(key, { value, ...range }, { size: bytes });
    }
    return { value, status: 'miss' };
  }

  /** Drops what a committed change could alter. */
  apply(change: Change): void {
    // Keys are no part of any answer.
    if (change.table === 'api_keys') return;
    this.#epoch++;
    if (change.table !== 'rollups') {
      // The hashtag list is read by every answer (the `all` scope is its union).
      this.#entries.clear();
      return;
    }
    const lo = change.lo.getTime();
    const hi = change.hi.getTime();
    const stale = [...this.#entries.entries()].filter(
      ([, e]) => e.lo !== undefined && e.hi !== undefined && e.lo <= hi && lo < e.hi,
    );
    for (const [key] of stale) this.#entries.delete(key);
  }
}

/**
 * A route's answer through the cache, keyed by everything it depends on
 * (`key`: the route and its parsed parameters), with the cache status in a
 * response header.
 */
export async function cachedAnswer<T>(
  cache: ResponseCache,
  reply: FastifyReply,
  key: unknown[],
  compute: (db: Kysely<Database>) => Promise<T>,
  options: { reads?: { from: Date; to: Date }; size?: number | ((value: T) => number) },
): Promise<T> {
  const { value, status } = await cache.get(JSON.stringify(key), compute, options);
  reply.header(CACHE_HEADER, status);
  return value;
}
