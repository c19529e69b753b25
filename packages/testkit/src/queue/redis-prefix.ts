import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A BullMQ key prefix of one test's own, so tests never see each other's queues. */
export function testPrefix(): string {
  return `tp-test-${randomUUID()}`;
}

/** Deletes every key under the prefix; returns how many it deleted. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
