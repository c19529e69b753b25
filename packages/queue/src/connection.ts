import { Redis, type RedisOptions } from 'ioredis';

/**
 * Redis connections differ by role (BullMQ "going to production"): a worker
 * blocks on Redis and must retry forever (`maxRetriesPerRequest: null`); a
 * producer in a request path must fail fast (`enableOfflineQueue: false`) so
 * the API answers 503 instead of hanging while Redis is down.
 */
export type RedisRole = 'worker' | 'producer';

const ROLE_OPTIONS: Record<RedisRole, RedisOptions> = {
  worker: { maxRetriesPerRequest: null },
  producer: { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
};

export function createRedis(url: string, role: RedisRole, onError: (err: Error) => void): Redis {
  const redis = new Redis(url, ROLE_OPTIONS[role]);
  // Without a listener ioredis prints every reconnect failure; route them to the logger.
  redis.on('error', onError);
  return redis;
}
