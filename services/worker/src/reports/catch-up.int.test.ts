import { reportSchedulesRepository } from '@tagpulse/db';
import { createRedis } from '@tagpulse/queue';
import { loadSharedEnv } from '@tagpulse/runtime';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import type { Sim } from '@tagpulse/x-sim';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportJob } from '../jobs/build-report.job.js';
import { frozenCtWeek, handlerDeps, recordingCtx } from '../testing/harness.js';
import { catchUpJobId, catchUpReports } from './catch-up.js';

let t: TestDatabase;
let sim: Sim;
beforeAll(async () => {
  t = await createTestDatabase();
  sim = await frozenCtWeek('2020-07-10T12:00:00Z');
});
afterAll(async () => {
  await sim?.close();
  await t?.drop();
});

const NOW = new Date('2020-07-10T12:00:00Z');

describe('missed reports', () => {
  it('are found and built when workers return, each period once, and a failure shows on the schedule', async () => {
    // Workers were down across several 07:00 fires of a daily schedule created days before.
    const deps = {
      ...handlerDeps(t.db, sim),
      clock: {
        now: () => NOW,
        realMs: (ms: number) => ms,
        xMs: (ms: number) => ms,
        realMsUntil: () => 0,
        stop: () => {},
      },
    };
    const ctx = recordingCtx(deps);
    const schedule = await reportSchedulesRepository.createSchedule(t.db, {
      name: 'Daily',
      hashtags: [],
      period: 'daily',
      tz: 'UTC',
      recipients: [],
      formats: ['html'],
      channels: [],
      send_when_empty: true,
    });
    await t.db
      .updateTable('report_schedules')
      .set({ created_at: new Date('2020-07-01T00:00:00Z') })
      .execute();

    // The three newest fires (10, 9 and 8 July, 07:00) owe the reports of the 9th, 8th and 7th.
    expect(await catchUpReports(deps)).toEqual({ queued: 3, failed: 0 });
    expect(await catchUpReports(deps)).toEqual({ queued: 0, failed: 0 });
    const queue = deps.queues.reports;
    const waiting = await queue.getJobs(['waiting']);
    expect(waiting.map((j) => j.data.firedAt).sort()).toEqual([
      '2020-07-08T07:00:00.000Z',
      '2020-07-09T07:00:00.000Z',
      '2020-07-10T07:00:00.000Z',
    ]);

    // One of them fails for good (a worker takes it; it fails without a retry left) …
    const redis = createRedis(loadSharedEnv().REDIS_URL, 'worker', () => {});
    const worker = new Worker(queue.name, null, { connection: redis, prefix: queue.opts.prefix });
    const token = 'catch-up-test';
    const taken = await worker.getNextJob(token);
    if (!taken) throw new Error('no job to take');
    await taken.moveToFailed(new UnrecoverableError('chart renderer crashed'), token);
    await worker.close();
    redis.disconnect();
    // … the others are built as a worker would.
    for (const job of waiting.filter((j) => j.id !== taken.id)) await buildReportJob(job.data, ctx);
    const stored = await t.db
      .selectFrom('reports')
      .select(['period_start'])
      .orderBy('period_start')
      .execute();
    expect(stored).toHaveLength(2);

    // The next sync queues nothing again, and the failure is on the schedule, once.
    expect(await catchUpReports(deps)).toEqual({ queued: 0, failed: 1 });
    expect(await catchUpReports(deps)).toEqual({ queued: 0, failed: 0 });
    const failedFire = new Date(taken.data.firedAt as string);
    const failedDay = new Date(failedFire.getTime() - 7 * 3_600_000 - 86_400_000);
    expect(await reportSchedulesRepository.getSchedule(t.db, schedule.id)).toMatchObject({
      last_failure_period_start: failedDay,
      last_failure_error: 'chart renderer crashed',
    });
    expect(taken.id).toBe(
      catchUpJobId(schedule.id, { from: failedDay, to: new Date(failedDay.getTime() + 86_400_000) }),
    );

    // Built after all (an operator's `reports run`), the period is no longer failed.
    await buildReportJob({ scheduleId: schedule.id, firedAt: failedFire.toISOString() }, ctx);
    expect(await reportSchedulesRepository.getSchedule(t.db, schedule.id)).toMatchObject({
      last_failure_period_start: null,
      last_failure_error: null,
    });
  });
});
