import { periodOfFire, recentFires } from '@tagpulse/core';
import { reportSchedulesRepository, reportsRepository } from '@tagpulse/db';
import { jobCatalog } from '@tagpulse/queue';
import { redactUrls } from '@tagpulse/runtime';
import type { WorkerDeps } from '../deps.js';
import { onWorkerClock } from './fire-time.js';

/** How many past fires of each schedule are checked: the newest, so a long outage costs little. */
export const CATCH_UP_FIRES = 3;
/** Real time a fire's own job has before the catch-up steps in (its retries take under a minute). */
export const CATCH_UP_GRACE_MS = 10 * 60_000;

const def = jobCatalog['build-report'];

/** The catch-up job of one period: one id per schedule and period, so each is queued once. */
export function catchUpJobId(scheduleId: string, period: { from: Date; to: Date }): string {
  return `report-catchup-${scheduleId}-${period.from.getTime()}-${period.to.getTime()}`;
}

export interface CatchUpResult {
  queued: number;
  failed: number;
}

/**
 * Finds the reports a schedule owes and has not stored: its job exhausted its
 * attempts (an outage at fire time), or no worker ran across several fires
 * (a BullMQ job scheduler keeps only its next run, so fires while every
 * worker is down collapse into one). For each of the last
 * {@link CATCH_UP_FIRES} fires since the schedule was created and at least
 * {@link CATCH_UP_GRACE_MS} ago, a period without a report gets one
 * `build-report` job for that fire, under an id of its own so that it is
 * queued once; the build itself stores one report per period whatever runs
 * it. A catch-up job that failed too leaves its error on the schedule
 * (`last_failure_*`), where `GET /v1/report-schedules` shows it.
 */
export async function catchUpReports(deps: WorkerDeps): Promise<CatchUpResult> {
  const { db, queues, clock } = deps;
  const horizon = onWorkerClock(clock, new Date(Date.now() - CATCH_UP_GRACE_MS));
  const result: CatchUpResult = { queued: 0, failed: 0 };
  for (const schedule of await reportSchedulesRepository.listSchedules(db, { enabledOnly: true })) {
    const timing = { period: schedule.period, sendAt: schedule.send_at, tz: schedule.tz };
    const fires = recentFires(timing, horizon, CATCH_UP_FIRES).filter((f) => f > schedule.created_at);
    for (const firedAt of fires) {
      const period = periodOfFire(schedule.period, firedAt, schedule.tz);
      if (await reportsRepository.findForPeriod(db, schedule.id, period)) continue;
      const jobId = catchUpJobId(schedule.id, period);
      const job = await queues[def.queue].getJob(jobId);
      if (!job) {
        await queues[def.queue].add(
          'build-report',
          { scheduleId: schedule.id, firedAt: firedAt.toISOString() },
          { ...def.opts, jobId },
        );
        result.queued += 1;
      } else if (
        (await job.getState()) === 'failed' &&
        schedule.last_failure_period_start?.getTime() !== period.from.getTime()
      ) {
        await reportSchedulesRepository.recordFailure(db, schedule.id, {
          period,
          error: redactUrls(job.failedReason || 'failed'),
        });
        result.failed += 1;
      }
    }
  }
  return result;
}
