import { loadSharedEnv } from '@tagpulse/runtime';
import { deletePrefix, testPrefix } from '@tagpulse/testkit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from './connection.js';
import {
  closeQueues,
  createQueues,
  lapsedSchedules,
  type Queues,
  type Schedule,
  upsertSchedules,
} from './producer.js';

const prefix = testPrefix();
const redis = createRedis(loadSharedEnv().REDIS_URL, 'worker', () => {});
let queues: Queues;
beforeAll(() => {
  queues = createQueues(redis, prefix, () => {});
});
afterAll(async () => {
  await closeQueues(queues);
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const poll: Schedule = { name: 'poll-query', payload: { queryKey: 'q-lapse' }, everyMs: 1_000 };
const HOUR = 3_600_000;

describe('lapsed schedules', () => {
  it('are on time while their next run is due within ten intervals', async () => {
    await upsertSchedules(queues, [poll]);
    expect(await lapsedSchedules(queues, [poll], Date.now())).toEqual({ lost: [], untaken: [] });
  });

  it('are untaken when the overdue run waits and no worker takes it, lost when it is nowhere', async () => {
    // No worker runs here: the scheduler's first run waits, and an hour on it is long overdue.
    expect(await lapsedSchedules(queues, [poll], Date.now() + HOUR)).toEqual({ lost: [], untaken: [poll] });
    // What a Redis master's crash can leave: the run's job gone, the scheduler still pointing at it.
    const q = queues['capture-poll'];
    const [run] = await q.getJobs(['wait', 'delayed']);
    await redis
      .multi()
      .del(q.toKey(run!.id!))
      .lrem(q.toKey('wait'), 0, run!.id!)
      .zrem(q.toKey('delayed'), run!.id!)
      .exec();
    expect(await lapsedSchedules(queues, [poll], Date.now() + HOUR)).toEqual({ lost: [poll], untaken: [] });
    await q.removeJobScheduler('poll-q-lapse');
    expect(await lapsedSchedules(queues, [poll], Date.now())).toEqual({ lost: [poll], untaken: [] });
  });
});
