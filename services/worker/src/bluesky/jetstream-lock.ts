import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@tagpulse/queue';

// Renew or release only while the key still holds our token: a holder that lost the lock (paused
// past its TTL) never extends or drops the next holder's.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface JetstreamLock {
  /** Takes the lock if free; true while this process holds it. */
  acquire(): Promise<boolean>;
  /** Extends the lock; false when it was lost (expired and maybe taken by another worker). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * The one Jetstream reader of a deployment: a Redis key with a short TTL,
 * renewed by its holder, so another worker takes over within a TTL of the
 * holder's death. The lock only keeps readers from doubling the work; the
 * cursor's version in PostgreSQL is what keeps two readers from doubling a post.
 */
export function jetstreamLock(redis: RedisClient, key: string, ttlMs: number): JetstreamLock {
  const token = randomUUID();
  return {
    async acquire() {
      return (await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK';
    },
    async renew() {
      return Number(await redis.eval(RENEW, 1, key, token, String(ttlMs))) === 1;
    },
    async release() {
      await redis.eval(RELEASE, 1, key, token);
    },
  };
}
