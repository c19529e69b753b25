import { parseHashtag, SEED_HASHTAGS } from '@tagpulse/core';
import { cursorsRepository, hashtagsRepository, reportSchedulesRepository } from '@tagpulse/db';
import { closeQueues, createQueues, createRedis, type Queues } from '@tagpulse/queue';
import { applySchedule, removeSchedule, reportSchedulerId } from '@tagpulse/reports';
import { createLogger, loadSharedEnv } from '@tagpulse/runtime';
import { createTestDatabase, makePost, storePosts, type TestDatabase } from '@tagpulse/testkit/db';
import { deletePrefix, testPrefix } from '@tagpulse/testkit/queue';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaptureSync } from './capture-sync.js';
import { systemClock, type WorkerClock } from './clock.js';
import type { WorkerDeps } from './deps.js';

let t: TestDatabase;
let redis: Redis;
let queues: Queues;
const prefix = testPrefix();

beforeAll(async () => {
  t = await createTestDatabase();
  redis = createRedis(loadSharedEnv().REDIS_URL, 'worker', () => {});
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

function workerSync(clock: WorkerClock = systemClock) {
  const deps = {
    db: t.db,
    queues,
    clock,
    log: createLogger({ service: 'worker-test', level: 'silent' }),
    settings: { queryMaxLength: 512 },
    // No Mastodon instance configured: the sync keeps X's schedulers only.
    mastodon: new Map(),
  } as unknown as WorkerDeps;
  return createCaptureSync(deps, {
    pollMs: 60_000,
    refreshMs: 60_000,
    coverageMs: 60_000,
    rollupMs: 1_000,
    alertMs: 1_000,
    deliveryMs: 1_000,
    usageMs: 60_000,
  });
}

describe('the capture schedule', () => {
  it('follows the tracked hashtags without a restart: regrouped queries, retired cursors, inherited positions', async () => {
    const sync = workerSync();
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

describe('a scheduler whose next run was lost', () => {
  it('runs again after the next sync (a Redis failover lost the run; BullMQ would never add another)', async () => {
    const sync = workerSync();
    await sync.run();
    const poll = queues['capture-poll'];
    const [scheduler] = await poll.getJobSchedulers();
    const id = scheduler!.key;
    // What a master's crash leaves when its last writes never reached the replica that took over:
    // the scheduler still says its next run is due (an hour ago), and that run's job is gone.
    const pending = async () =>
      (await poll.getJobs(['delayed', 'wait', 'prioritized'])).filter((j) => j.repeatJobKey === id);
    // BullMQ refuses to remove a scheduler's job; the lost writes are undone in Redis itself.
    const lost = redis.multi().zadd(poll.toKey('repeat'), Date.now() - 3_600_000, id);
    for (const job of await pending()) {
      lost
        .del(poll.toKey(job.id!))
        .lrem(poll.toKey('wait'), 0, job.id!)
        .zrem(poll.toKey('delayed'), job.id!)
        .zrem(poll.toKey('prioritized'), job.id!);
    }
    await lost.exec();
    expect(await pending()).toEqual([]);

    await sync.run();
    const after = await poll.getJobScheduler(id);
    expect(after?.next).toBeGreaterThan(Date.now() - 60_000);
    expect(await pending()).toHaveLength(1);
  });
});

describe('report schedules', () => {
  it('converge with their job schedulers on the next sync when Redis failed between the two writes', async () => {
    const sync = workerSync();
    await sync.run();
    const reportSchedulers = async () =>
      Object.fromEntries(
        (await queues.reports.getJobSchedulers()).map((s) => [s.key, `${s.pattern} ${s.tz}`]),
      );
    // The API as it writes: the row commits, then Redis fails before its scheduler is written
    // (the API's connection drops; a producer's commands then fail at once).
    const apiRedis = createRedis(loadSharedEnv().REDIS_URL, 'producer', () => {});
    const apiQueues = createQueues(apiRedis, prefix, () => {});
    await apiQueues.reports.waitUntilReady();
    apiRedis.disconnect();
    const created = await reportSchedulesRepository.createSchedule(t.db, {
      name: 'Daily',
      hashtags: [],
      period: 'daily',
      tz: 'Europe/Vienna',
      recipients: [],
      formats: ['html'],
      channels: [],
    });
    await expect(applySchedule(apiQueues, created)).rejects.toThrow();
    // A schedule that was in step, then changed and deleted while Redis was down.
    const changed = await reportSchedulesRepository.createSchedule(t.db, {
      name: 'Weekly',
      hashtags: [],
      period: 'weekly',
      tz: 'UTC',
      recipients: [],
      formats: ['html'],
      channels: [],
    });
    const deleted = await reportSchedulesRepository.createSchedule(t.db, {
      name: 'Monthly',
      hashtags: [],
      period: 'monthly',
      tz: 'UTC',
      recipients: [],
      formats: ['html'],
      channels: [],
    });
    await applySchedule(queues, changed);
    await applySchedule(queues, deleted);
    const patched = await reportSchedulesRepository.updateSchedule(t.db, changed.id, { tz: 'Asia/Kolkata' });
    await expect(applySchedule(apiQueues, patched!)).rejects.toThrow();
    await reportSchedulesRepository.deleteSchedule(t.db, deleted.id);
    await expect(removeSchedule(apiQueues, deleted.id)).rejects.toThrow();
    expect(Object.keys(await reportSchedulers()).sort()).toEqual(
      [reportSchedulerId(changed.id), reportSchedulerId(deleted.id)].sort(),
    );

    // The worker's next sync (a timer, no restart, no hashtag change) brings Redis in step.
    await sync.run();
    expect(await reportSchedulers()).toEqual({
      [reportSchedulerId(created.id)]: '0 7 * * * Europe/Vienna',
      [reportSchedulerId(changed.id)]: '0 7 * * 1 Asia/Kolkata',
    });
  });
});

describe('posts’ month partitions', () => {
  it('exist before a month’s first page, so storing it never locks the tables the coverage job reads', async () => {
    // The worker's clock in the last minute of July (X time): its sync prepares August.
    const sync = workerSync({ ...systemClock, now: () => new Date('2020-07-31T23:59:00Z') });
    await sync.run();
    await t.db.connection().execute(async (reader) => {
      // The coverage job's join, half-way: it holds post_hashtags and is about to read posts.
      await sql`begin`.execute(reader);
      await sql`select count(*) from post_hashtags`.execute(reader);
      // August's first page arrives meanwhile.
      const first = makePost({ createdAt: new Date('2020-08-01T00:00:30Z') });
      const stored = storePosts(t.db, [first], []).then(
        () => 'stored',
        (err: Error) => `failed: ${err.message}`,
      );
      // Long enough for a page that had to create the partition to queue for post_hashtags' lock.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const read = await sql<{ n: number }>`select count(*)::int as n from posts`.execute(reader).then(
        (r) => `read ${r.rows[0]?.n}`,
        (err: Error) => `failed: ${err.message}`,
      );
      await sql`commit`.execute(reader);
      expect({ read, stored: await stored }).toEqual({
        read: expect.stringMatching(/^read \d+$/),
        stored: 'stored',
      });
    });
    const { rows } = await sql<{ name: string }>`
      select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'posts'::regclass and c.relname like 'posts_2020_0%' order by 1`.execute(t.db);
    expect(rows.map((r) => r.name)).toEqual(
      expect.arrayContaining(['posts_2020_06', 'posts_2020_07', 'posts_2020_08']),
    );
  });
});
