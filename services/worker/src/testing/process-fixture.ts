import { createRedis } from '@tagpulse/queue';
import { loadSharedEnv } from '@tagpulse/runtime';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { spawnWorker, type WorkerProcess } from '@tagpulse/testkit/processes';
import { deletePrefix, testPrefix } from '@tagpulse/testkit/queue';
import type { Sim } from '@tagpulse/x-sim';
import { afterAll, afterEach, beforeEach } from 'vitest';
import type { QueryGroup } from '../capture/query-groups.js';
import { seedHashtags } from './harness.js';
import { workerEnv } from './replay.js';

export interface ProcessFixture {
  t: TestDatabase;
  group: QueryGroup;
  prefix: string;
  /** Set by the test; closed after it. */
  sim: Sim | undefined;
  workers: WorkerProcess[];
}

/**
 * For each test of the file: a cloned database tracking the seed hashtags, a
 * queue prefix of its own, and the worker processes it starts (against
 * `fixture.sim`), all killed and cleaned up after it.
 */
export function useWorkerProcesses() {
  const redis = createRedis(loadSharedEnv().REDIS_URL, 'producer', () => {});
  const fixture = { workers: [] as WorkerProcess[], sim: undefined } as unknown as ProcessFixture;
  beforeEach(async () => {
    fixture.t = await createTestDatabase();
    fixture.group = await seedHashtags(fixture.t.db);
    fixture.prefix = testPrefix();
  });
  afterEach(async () => {
    await Promise.all(fixture.workers.map((w) => w.kill('SIGKILL')));
    fixture.workers = [];
    await fixture.sim?.close();
    fixture.sim = undefined;
    await deletePrefix(redis, fixture.prefix);
    await fixture.t.drop();
  });
  afterAll(() => redis.disconnect());
  return {
    fixture,
    start(): WorkerProcess {
      if (!fixture.sim) throw new Error('start x-sim before the workers');
      const worker = spawnWorker(workerEnv(fixture.t, fixture.sim, fixture.prefix));
      fixture.workers.push(worker);
      return worker;
    },
  };
}
