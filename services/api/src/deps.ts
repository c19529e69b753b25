import type { Database } from '@tagpulse/db';
import type { Queues, RedisClient } from '@tagpulse/queue';
import type { Logger } from '@tagpulse/runtime';
import type { Kysely } from 'kysely';
import type { KeyCache } from './key-cache.js';
import type { ReadPools } from './read-pools.js';
import type { ResponseCache } from './response-cache.js';

/** Job counts of one queue by state (waiting, active, delayed, failed, completed). */
export type QueueCounts = Record<string, Record<string, number>>;

/** Everything the API uses, built in main.ts (or a test) and passed in. */
export interface ApiDeps {
  /** The primary: every write, and the reads a write decides on (and API keys, so a revocation holds at once). */
  db: Kysely<Database>;
  /**
   * `pools.read` takes every other `/v1` read: the read replica when there is one, else the primary
   * (`pools.primary` is `db`); the pools also follow the replica's position for the cache and its lag.
   */
  pools: ReadPools;
  /** A producer connection (`enableOfflineQueue: false`): rate limits and announcements fail fast. */
  redis: RedisClient;
  log: Logger;
  now: () => Date;
  /**
   * Requests per key (or per client address on routes without a key) and window; `perAddress`:
   * requests per client address and window counted before authentication, for every request but
   * /healthz and those with a key already verified in memory.
   */
  rateLimit: { max: number; windowMs: number; nameSpace: string; perAddress: number };
  /** Origins allowed by CORS; empty turns CORS off. */
  corsOrigins: string[];
  /** BullMQ key prefix, for the channel that tells workers the tracked hashtags changed. */
  queuePrefix: string;
  /** One handle per queue, under `queuePrefix`: report schedules' job schedulers are written through them. */
  queues: Queues;
  /** Zones besides UTC a read key's series may register for stored roll-ups (admin keys: no limit). */
  zonesMax: number;
  /** Computed answers kept until a committed change alters them. */
  cache: ResponseCache;
  /** Verified API keys, kept until a committed change of the keys. */
  keys: KeyCache;
  /** Report previews built at once; more are refused with a 503 and Retry-After. */
  previewConcurrency: number;
  /** Job counts per queue, for /metrics. */
  queueCounts: () => Promise<QueueCounts>;
}
