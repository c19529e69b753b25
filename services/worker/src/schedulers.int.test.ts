import { parseHashtag, SEED_HASHTAGS } from '@tagpulse/core';
import { cursorsRepository, hashtagsRepository } from '@tagpulse/db';
import { createTestDatabase, type TestDatabase } from '@tagpulse/db/testing';
import { closeQueues, createQueues, createRedis, type Queues } from '@tagpulse/queue';
import { deletePrefix, testPrefix } from '@tagpulse/queue/testing';
import { createLogger, loadEnv } from '@tagpulse/runtime';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from './clock.js';
import type { WorkerDeps } from './deps.js';
import { createCaptureSync } from './schedulers.js';

let t: TestDatabase;
let redis: Redis;
let queues: Queues;
const prefix = testPrefix();

beforeAll(async () => {
  t = await createTestDatabase();
  redis = createRedis(loadEnv().REDIS_URL, 'worker', () => {});
  queues = createQueues(redis, prefix, () => {});
});
afterAll(async () => {
  await closeQueues(queues);
  await deletePrefix(redis, prefix);
  redis.disconnect();
  await t.drop();
});

async function pollSchedulers(): Promise<string[]> {
  return (await queues['capture-poll'].getJobSchedulers()).map((s) => s.key).sort();
}

describe('the capture schedule', () => {
  it('follows the tracked hashtags without a restart: regrouped queries, retired cursors, inherited positions', async () => {
    const deps = {
      db: t.db,
      queues,
      clock: systemClock,
      log: createLogger({ service: 'worker-test', level: 'silent' }),
      settings: { queryMaxLength: 512 },
    } as unknown as WorkerDeps;
    const sync = createCaptureSync(deps, {
      pollMs: 60_000,
      refreshMs: 60_000,
      coverageMs: 60_000,
      rollupMs: 1_000,
      alertMs: 1_000,
      deliveryMs: 1_000,
      usageMs: 60_000,
    });
    for (const tag of SEED_HASHTAGS) {
      const parsed = parseHashtag(tag);
      if (parsed.ok) await hashtagsRepository.addHashtag(t.db, parsed);
    }
    await sync.run();
    const [seed] = await cursorsRepository.listCursors(t.db);
    expect(seed?.query).toBe('(#UNCCTExpo OR #UNiteToCounterTerrorism OR #VirtualCTWeek)');
    expect(await pollSchedulers()).toEqual([`poll-${seed!.query_key}`]);
    expect((await queues['capture-refresh'].getJobSchedulers()).map((s) => s.key)).toEqual([
      'refresh-engagement',
    ]);
    expect((await queues['capture-coverage'].getJobSchedulers()).map((s) => s.key).sort()).toEqual([
      'fetch-x-usage',
      'measure-coverage',
    ]);
    expect((await queues.rollups.getJobSchedulers()).map((s) => s.key)).toEqual(['compute-rollups']);
    expect((await queues.alerts.getJobSchedulers()).map((s) => s.key)).toEqual(['evaluate-alerts']);
    expect((await queues.notify.getJobSchedulers()).map((s) => s.key)).toEqual(['deliver-notifications']);
    await cursorsRepository.setCursorStatus(t.db, seed!.query_key, { status: 'ok' });
    await t.db.updateTable('capture_cursors').set({ since_id: '1280000000000000000' }).execute();

    // A fourth hashtag regroups the query; it was never polled, so the new query backfills.
    await hashtagsRepository.addHashtag(t.db, { key: 'pve', display: 'PVE' });
    await sync.run();
    const [grown, ...others] = await cursorsRepository.listCursors(t.db);
    expect(others).toEqual([]);
    expect(grown).toMatchObject({
      query: '(#PVE OR #UNCCTExpo OR #UNiteToCounterTerrorism OR #VirtualCTWeek)',
      since_id: null,
    });
    expect(await pollSchedulers()).toEqual([`poll-${grown!.query_key}`]);
    expect(await cursorsRepository.getCursor(t.db, seed!.query_key)).toMatchObject({ status: 'retired' });

    // Removing it brings the first query back where it was.
    await hashtagsRepository.deactivateHashtag(t.db, 'pve');
    await sync.run();
    expect(await pollSchedulers()).toEqual([`poll-${seed!.query_key}`]);
    expect(await cursorsRepository.getCursor(t.db, seed!.query_key)).toMatchObject({
      status: 'idle',
      since_id: '1280000000000000000',
    });
  });
});
