import { hashtagsRepository } from '@tagpulse/db';
import { createRedis, hashtagsChangedChannel } from '@tagpulse/queue';
import { loadSharedEnv } from '@tagpulse/runtime';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { testPrefix } from '@tagpulse/testkit/queue';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackHashtags, untrackHashtags } from './tracked-hashtags.js';

const prefix = testPrefix();
let t: TestDatabase;
let listener: Redis;
const heard: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  listener = createRedis(loadSharedEnv().REDIS_URL, 'worker', () => {});
  listener.on('message', (channel: string) => heard.push(channel));
  await listener.subscribe(hashtagsChangedChannel(prefix));
});

afterAll(async () => {
  await listener?.quit();
  await t?.drop();
});

/** A producer connection as the CLI opens one for a single command: not connected yet. */
const freshProducer = () => createRedis(loadSharedEnv().REDIS_URL, 'producer', () => {});

async function heardWithin(count: number): Promise<number> {
  for (let i = 0; i < 50 && heard.length < count; i++) await new Promise((r) => setTimeout(r, 20));
  return heard.length;
}

describe('tracking hashtags', () => {
  it('stores the hashtags and tells the workers once, on a connection that is still connecting', async () => {
    const redis = freshProducer();
    try {
      const change = await trackHashtags({ db: t.db, redis, queuePrefix: prefix }, [
        { key: 'alpha', display: 'Alpha' },
        { key: 'beta', display: 'Beta' },
      ]);
      expect(change.announceError).toBeUndefined();
      expect(change.result.map((r) => r.display)).toEqual(['Alpha', 'Beta']);
      expect(await heardWithin(1)).toBe(1);
      expect((await hashtagsRepository.listHashtags(t.db)).filter((h) => h.active)).toHaveLength(2);
    } finally {
      redis.disconnect();
    }
  });

  it('tells the workers of an untracked hashtag, and of nothing when none was tracked', async () => {
    const redis = freshProducer();
    try {
      const before = heard.length;
      const none = await untrackHashtags({ db: t.db, redis, queuePrefix: prefix }, ['gamma']);
      expect(none.result).toEqual([false]);
      expect(await heardWithin(before + 1)).toBe(before);
      const one = await untrackHashtags({ db: t.db, redis, queuePrefix: prefix }, ['alpha', 'gamma']);
      expect(one).toEqual({ result: [true, false] });
      expect(await heardWithin(before + 1)).toBe(before + 1);
    } finally {
      redis.disconnect();
    }
  });

  it('reports, without failing, an announcement that could not be made', async () => {
    const redis = createRedis('redis://127.0.0.1:1', 'producer', () => {});
    try {
      const change = await trackHashtags({ db: t.db, redis, queuePrefix: prefix }, [
        { key: 'delta', display: 'Delta' },
      ]);
      expect(change.result.map((r) => r.active)).toEqual([true]);
      expect(change.announceError).toBeInstanceOf(Error);
    } finally {
      redis.disconnect();
    }
  });
});
