import { loadSharedEnv } from '@tagpulse/runtime';
import { deletePrefix, testPrefix } from '@tagpulse/testkit/queue';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from './connection.js';

const { REDIS_URL } = loadSharedEnv();
const errors: Error[] = [];
const producer = createRedis(REDIS_URL, 'producer', (err) => errors.push(err));
const consumer = createRedis(REDIS_URL, 'worker', (err) => errors.push(err));

afterAll(async () => {
  producer.disconnect();
  consumer.disconnect();
});

describe('Redis connections and test isolation', () => {
  it('carry a job from a producer to a worker under a test-only prefix, then leave nothing behind', async () => {
    const prefix = testPrefix();
    const queue = new Queue('isolation', { connection: producer, prefix });
    const events = new QueueEvents('isolation', { connection: consumer.duplicate(), prefix });
    const worker = new Worker('isolation', async (job) => (job.data as { n: number }).n * 2, {
      connection: consumer,
      prefix,
    });
    try {
      await events.waitUntilReady();
      const job = await queue.add('double', { n: 21 });
      expect(await job.waitUntilFinished(events, 10_000)).toBe(42);
      expect((await producer.keys(`${prefix}:*`)).length).toBeGreaterThan(0);
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
    }
    expect(await deletePrefix(producer, prefix)).toBeGreaterThan(0);
    expect(await producer.keys(`${prefix}:*`)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('give producers a fail-fast connection and workers a patient one', () => {
    expect(producer.options.enableOfflineQueue).toBe(false);
    expect(consumer.options.maxRetriesPerRequest).toBeNull();
  });
});
