import { createRedis, jobCatalog } from '@tagpulse/queue';
import { createLogger, loadSharedEnv } from '@tagpulse/runtime';
import { deletePrefix, testPrefix } from '@tagpulse/testkit/queue';
import { type Job, Queue, QueueEvents, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import type { WorkerDeps } from './deps.js';
import { createProcessor } from './processor.js';

const redis = createRedis(loadSharedEnv().REDIS_URL, 'worker', () => {});
const prefix = testPrefix();
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('the queue processor', () => {
  it('fails a job with a bad payload or a foreign name once, without spending its retries', async () => {
    const deps = { log: createLogger({ service: 'worker-test', level: 'silent' }) } as unknown as WorkerDeps;
    const queue = new Queue('capture-poll', { connection: redis, prefix });
    const events = new QueueEvents('capture-poll', { connection: redis.duplicate(), prefix });
    const worker = new Worker('capture-poll', createProcessor('capture-poll', deps), {
      connection: redis,
      prefix,
    });
    try {
      await events.waitUntilReady();
      const opts = jobCatalog['poll-query'].opts;
      // ':' is what BullMQ and the cursor keys refuse; the catalog's schema says so before any work.
      const bad = await queue.add('poll-query', { queryKey: 'q:bad' }, opts);
      const foreign = await queue.add('measure-coverage', {}, opts);
      const outcome = (job: Job) =>
        job.waitUntilFinished(events, 10_000).then(
          () => 'completed',
          (err: Error) => err.message,
        );
      expect(await outcome(bad)).toMatch(/^invalid payload for poll-query/);
      expect(await outcome(foreign)).toBe('no job "measure-coverage" on queue capture-poll');
      for (const job of [bad, foreign]) expect((await queue.getJob(job.id!))?.attemptsMade).toBe(1);
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
    }
  });
});
