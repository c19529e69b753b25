import { parseHashtag, SEED_HASHTAGS } from '@tagpulse/core';
import { cursorsRepository, type Database, hashtagsRepository } from '@tagpulse/db';
import { createDeliverer } from '@tagpulse/notify';
import { closeQueues, createQueues, createRedis, type Queues } from '@tagpulse/queue';
import { createLogger, loadSharedEnv } from '@tagpulse/runtime';
import { deletePrefix, testPrefix } from '@tagpulse/testkit/queue';
import { createXApi, defaultPrices } from '@tagpulse/x-client';
import { type Sim, type SimOptions, startSim } from '@tagpulse/x-sim';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { afterAll } from 'vitest';
import { groupQueries, type QueryGroup } from '../capture/query-groups.js';
import type { WorkerClock } from '../clock.js';
import type { WorkerDeps } from '../deps.js';
import type { JobCtx } from '../job-context.js';

/** Tracks the three hashtags the first users track; returns the query that covers them. */
export async function seedHashtags(db: Kysely<Database>): Promise<QueryGroup> {
  const tags = SEED_HASHTAGS.map((t) => parseHashtag(t)).flatMap((p) => (p.ok ? [p] : []));
  for (const tag of tags) await hashtagsRepository.addHashtag(db, tag);
  const [group] = groupQueries(tags, 512);
  await cursorsRepository.ensureCursor(db, { ...group!, sinceId: null });
  return group!;
}

/** The worker's clock read straight from an in-process x-sim. */
export function simWorkerClock(sim: Sim): WorkerClock {
  const now = () => new Date(sim.clock.now());
  return {
    now,
    realMs: (ms) => ms,
    xMs: (ms) => ms,
    realMsUntil: (t) => Math.max(0, t.getTime() - sim.clock.now()),
    stop: () => {},
  };
}

// Real queues for the handlers' follow-up jobs, under a prefix of this test file's own; this
// module is imported once per test file, so the hook below runs after that file's tests.
let fileQueues: { redis: Redis; prefix: string; queues: Queues } | undefined;
afterAll(async () => {
  if (!fileQueues) return;
  await closeQueues(fileQueues.queues);
  await deletePrefix(fileQueues.redis, fileQueues.prefix);
  await fileQueues.redis.quit();
  fileQueues = undefined;
});

function testQueues(): Queues {
  if (!fileQueues) {
    const redis = createRedis(loadSharedEnv().REDIS_URL, 'worker', () => {});
    const prefix = testPrefix();
    fileQueues = { redis, prefix, queues: createQueues(redis, prefix, () => {}) };
  }
  return fileQueues.queues;
}

/**
 * Dependencies for calling a job handler directly: a real database, x-sim over
 * HTTP, and real queues (handlers enqueue follow-up jobs, such as roll-ups).
 */
export function handlerDeps(
  db: Kysely<Database>,
  sim: Sim,
  bearerToken = 'test-bearer-token-0123456789',
): WorkerDeps {
  return {
    db,
    queues: testQueues(),
    x: createXApi({ bearerToken, baseUrl: sim.url }),
    mastodon: new Map(),
    clock: simWorkerClock(sim),
    log: createLogger({ service: 'worker-test', level: 'silent' }),
    settings: {
      overlapMs: 180_000,
      maxPagesPerJob: 100,
      queryMaxLength: 512,
      refreshBatchesPerRun: 5,
      coverageHours: 24,
      pausedProbeMs: 3_600_000,
      prices: defaultPrices('pay-per-use'),
      monthlyBudgetUsd: undefined,
      slowPollMs: 10 * 60_000,
      sparseCoverageMs: 6 * 3_600_000,
      maxDelayMs: 180_000,
      pollTickMs: 15_000,
      mastodonOverlapMs: 300_000,
      mastodonFirstPollMs: 168 * 3_600_000,
      mastodonLookupsPerRun: 30,
    },
    alerts: {
      settleMs: 60_000,
      stallMs: 15 * 60_000,
      defaultChannels: [],
      publicUrl: 'http://127.0.0.1:3000',
      deliveryLeaseMs: 5_000,
    },
    // Tests' webhook receivers listen on 127.0.0.1: an allowance a deployment must give explicitly too.
    deliverer: createDeliverer({
      from: 'tagpulse-test@localhost',
      timeoutMs: 2_000,
      webhooks: { allowPrivate: true, allowHosts: [] },
    }),
  };
}

/** A job context that records the rate-limit pauses asked for instead of pausing a queue. */
export function recordingCtx(deps: WorkerDeps): JobCtx & { pauses: Date[] } {
  const pauses: Date[] = [];
  return {
    deps,
    log: deps.log,
    pauses,
    async rateLimited(resetAt) {
      pauses.push(resetAt);
      return new Error('rate limited');
    },
  };
}

/** x-sim over the Virtual CT Week with its clock frozen at `start` (tests move it with `clock.set`). */
export function frozenCtWeek(start: string, options: Partial<SimOptions> = {}): Promise<Sim> {
  return startSim({ scenario: 'virtual-ct-week-2020', speed: 0, start, port: 0, ...options });
}
