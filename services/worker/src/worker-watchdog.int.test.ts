import net from 'node:net';
import { closeQueues, createQueues, createRedis, type Queues, queuePrefix } from '@tagpulse/queue';
import { createLogger, loadSharedEnv } from '@tagpulse/runtime';
import { waitFor } from '@tagpulse/testkit/processes';
import { deletePrefix, testPrefix } from '@tagpulse/testkit/queue';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type ManagedWorkers, manageWorkers } from './worker-watchdog.js';

const { REDIS_URL } = loadSharedEnv();
const QUEUE = 'capture-poll' as const;

/**
 * A TCP relay to Redis that can go silent: sockets stay open and nothing passes either way, as
 * with a node gone behind a half-open connection. A Worker connected through it is alive and
 * takes nothing, and no error tells it so.
 */
async function silenceableRelay(target: URL): Promise<{ port: number; silence(): void; close(): void }> {
  const sockets: net.Socket[] = [];
  let silent = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    sockets.push(client, upstream);
    client.on('data', (d) => silent || upstream.write(d));
    upstream.on('data', (d) => silent || client.write(d));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    silence: () => {
      silent = true;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setUp(
  makeFirst: (prefix: string, processor: (job: { id?: string }) => Promise<void>) => Worker,
) {
  const prefix = testPrefix();
  const redis = createRedis(REDIS_URL, 'worker', () => {});
  const queues: Queues = createQueues(redis, prefix, () => {});
  const processed: string[] = [];
  const processor = async (job: { id?: string }) => {
    processed.push(job.id ?? '');
  };
  let made = 0;
  const managed: ManagedWorkers = manageWorkers({
    queues,
    names: [QUEUE],
    concurrency: 2,
    graceMs: 1_000,
    checkMs: 250,
    log: createLogger({ service: 'worker', level: 'silent' }),
    make: () => {
      made++;
      if (made === 1) return makeFirst(prefix, processor);
      return new Worker(QUEUE, processor, {
        connection: redis,
        prefix: queuePrefix(redis, prefix, QUEUE),
        concurrency: 2,
      });
    },
  });
  cleanup.push(async () => {
    await managed.close();
    await closeQueues(queues);
    await deletePrefix(redis, prefix);
    await redis.quit();
  });
  return { queues, managed, processed, made: () => made };
}

describe('the worker watchdog', () => {
  it.each([
    ['waiting', {}],
    // The Worker itself moves due delayed jobs (a scheduler's next run) to the wait list.
    ['delayed past its time', { delay: 300 }],
  ])(
    'replaces a worker that stopped taking jobs, and the job %s runs',
    async (_, opts) => {
      const relay = await silenceableRelay(new URL(REDIS_URL));
      const viaRelay = new Redis({ host: '127.0.0.1', port: relay.port, maxRetriesPerRequest: null });
      cleanup.push(async () => {
        relay.close();
        viaRelay.disconnect();
      });
      const { queues, managed, processed, made } = await setUp(
        (prefix, processor) =>
          new Worker(QUEUE, processor, {
            connection: viaRelay,
            prefix: queuePrefix(viaRelay, prefix, QUEUE),
            concurrency: 2,
          }),
      );
      const first = managed.current()[0];
      await queues[QUEUE].add('poll-query', { queryKey: 'q-1' }, { jobId: 'before' });
      await waitFor('the first worker to take a job', async () => processed.includes('before'), 10_000);
      expect(made()).toBe(1);

      relay.silence();
      await queues[QUEUE].add('poll-query', { queryKey: 'q-1' }, { jobId: 'after', ...opts });
      await waitFor(
        'the waiting job to run on a new worker',
        async () => processed.includes('after'),
        15_000,
      );
      expect(made()).toBe(2);
      expect(managed.current()).toHaveLength(1);
      expect(managed.current()[0]).not.toBe(first);
    },
    30_000,
  );

  it('leaves a worker alone while its queue holds jobs on purpose (paused)', async () => {
    const { queues, managed, processed, made } = await setUp((prefix, processor) => {
      const redis = createRedis(REDIS_URL, 'worker', () => {});
      cleanup.push(async () => {
        await redis.quit();
      });
      return new Worker(QUEUE, processor, {
        connection: redis,
        prefix: queuePrefix(redis, prefix, QUEUE),
        concurrency: 2,
      });
    });
    const first = managed.current()[0];
    await queues[QUEUE].pause();
    await queues[QUEUE].add('poll-query', { queryKey: 'q-1' }, { jobId: 'held' });
    // Past the grace, waiting, held by the pause: on purpose.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(processed).toEqual([]);
    expect((await queues[QUEUE].getJobs(['wait'])).map((j) => j.id)).toEqual(['held']);
    await queues[QUEUE].resume();
    await waitFor('the held job to run once the hold ends', async () => processed.includes('held'), 10_000);
    expect(made()).toBe(1);
    expect(managed.current()[0]).toBe(first);
  }, 30_000);
});
