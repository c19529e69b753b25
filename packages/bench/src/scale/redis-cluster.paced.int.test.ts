import { QUEUE_NAMES } from '@tagpulse/queue';
import { loadSharedEnv } from '@tagpulse/runtime';
import { startRedisCluster, type TestRedisCluster } from '@tagpulse/testkit/redis-cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fault, runFault } from '../faults/run.js';
import { dropTemplate } from '../faults/run-database.js';

let cluster: TestRedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster({ nodeTimeoutMs: 2_000 });
});

afterAll(async () => {
  await dropTemplate();
  await cluster?.stop();
});

/** The master holding the poll queue's keys is SIGKILLed mid-spike; its replica takes its slots. */
const killPollMaster: Fault = {
  name: 'Redis Cluster master SIGKILLed',
  // A failover takes the node timeout (2 s) and an election: at 180x, about ten minutes of X time
  // without polls, which a loaded machine can stretch past ALERT_STALL_MINUTES.
  stalls: 'may',
  async inject(ctx) {
    const port = await cluster.masterOf(`{${ctx.prefix}-capture-poll}`);
    const began = Date.now();
    await cluster.killMaster(port);
    return `master ${port} killed, replica serving after ${((Date.now() - began) / 1000).toFixed(1)} s`;
  },
};

// The spike scenario captured by a worker process whose BullMQ queues, job schedulers, 429 hold and
// hashtag announcements all live on a three-master Redis Cluster, through a master's crash.
describe('capture on a Redis Cluster', () => {
  it('spreads the queues over the masters', async () => {
    const masters = await Promise.all(QUEUE_NAMES.map((q) => cluster.masterOf(`{tagpulse-${q}}`)));
    expect(new Set(masters).size).toBeGreaterThan(1);
  });

  // After the master's SIGKILL, the BullMQ Worker of a queue that lived on it sometimes stops taking
  // jobs (its blocking client wedged on the dead node: BullMQ #4138); the worker watchdog replaces it.
  it('loses and doubles no post and no notice when a master dies mid-spike', async () => {
    const r = await runFault(killPollMaster, {
      databaseUrl: loadSharedEnv().DATABASE_URL,
      redisUrl: cluster.url,
    });
    expect(r.note).toMatch(/^master \d+ killed/);
    expect({ ...r.posts, noticesMissing: r.noticesMissing, noticesExtra: r.noticesExtra }, r.note).toEqual({
      expected: r.posts.expected,
      mastodon: 0,
      bluesky: 0,
      stored: r.posts.expected,
      lost: 0,
      duplicated: 0,
      extra: 0,
      noticesMissing: 0,
      noticesExtra: 0,
    });
    expect(r.posts.expected).toBeGreaterThan(2_000);
    expect(r.noticesSent).toBeGreaterThanOrEqual(4);
  }, 240_000);
});
