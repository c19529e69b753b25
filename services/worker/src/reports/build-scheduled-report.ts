import { type Channel, periodOfFire, previousPeriodOf } from '@tagpulse/core';
import {
  deliveriesRepository,
  type ReportScheduleRow,
  reportSchedulesRepository,
  reportsRepository,
} from '@tagpulse/db';
import { channelKey } from '@tagpulse/notify';
import { nudge } from '@tagpulse/queue';
import { buildReport, type ReportFormat, removeSchedule, reportMessage } from '@tagpulse/reports';
import type { JobCtx } from '../job-context.js';
import { onWorkerClock } from './fire-time.js';

/** Where a schedule sends: one e-mail to all its recipients, one POST per webhook. */
export function scheduleChannels(schedule: ReportScheduleRow): Channel[] {
  const channels: Channel[] = [];
  if (schedule.channels.includes('email') && schedule.recipients.length > 0) {
    channels.push({ type: 'email', to: schedule.recipients });
  }
  if (schedule.channels.includes('webhook')) {
    for (const url of schedule.webhooks) channels.push({ type: 'webhook', url });
  }
  return channels;
}

export interface ScheduledRun {
  scheduleId: string;
  /** The fire instant on the worker's clock. */
  firedAt: Date;
}

/**
 * Builds, stores and queues for delivery the report of one fire of a schedule. Exactly one report
 * per schedule and period, however many times the job runs (retries, a worker killed half-way, two
 * workers at once): the period comes from the fire time; the report row is unique per schedule and
 * period start; its deliveries are queued in the transaction that stored it, so only the run that
 * stored it queues them, and a run that dies before committing leaves nothing behind.
 */
export async function buildScheduledReport(run: ScheduledRun, ctx: JobCtx): Promise<void> {
  const { db, queues, clock, log } = ctx.deps;
  const schedule = await reportSchedulesRepository.getSchedule(db, run.scheduleId);
  if (!schedule) {
    // Deleted since it fired: its job scheduler goes too.
    await removeSchedule(queues, run.scheduleId);
    log.info({ scheduleId: run.scheduleId }, 'report schedule gone; its job scheduler removed');
    return;
  }
  const period = periodOfFire(schedule.period, run.firedAt, schedule.tz);
  if (await reportsRepository.findForPeriod(db, schedule.id, period)) {
    log.debug({ scheduleId: schedule.id, from: period.from }, 'report of this period already stored');
    return;
  }
  const { model, chartPng } = await buildReport(db, {
    hashtags: schedule.hashtags,
    tz: schedule.tz,
    periodKind: schedule.period,
    period,
    previous: previousPeriodOf(schedule.period, period, schedule.tz),
    title: schedule.name,
    now: clock.now(),
  });
  const skipped =
    model.nothing_happened && !schedule.send_when_empty ? 'nothing happened in the period' : null;
  const channels = skipped ? [] : scheduleChannels(schedule);
  const publicUrl = ctx.deps.alerts.publicUrl;
  const stored = await db.transaction().execute(async (trx) => {
    const { row, created } = await reportsRepository.insertReport(trx, {
      scheduleId: schedule.id,
      periodStart: period.from,
      periodEnd: period.to,
      tz: schedule.tz,
      periodKind: schedule.period,
      hashtags: model.hashtags,
      firedAt: run.firedAt,
      skippedReason: skipped,
      model,
      chartPng,
    });
    if (!created) return undefined;
    // A period that had failed before (see catch-up.ts) is no longer missing.
    await reportSchedulesRepository.clearFailure(trx, schedule.id, period);
    const link = (format: string) => `${publicUrl}/v1/reports/${row.id}?format=${format}`;
    await deliveriesRepository.enqueue(trx, {
      messageKey: reportsRepository.reportMessageKey(row.id),
      kind: 'report',
      message: reportMessage(row.id, model, chartPng, {
        formats: schedule.formats as ReportFormat[],
        links: { html: link('html'), csv: link('csv'), json: link('json') },
      }),
      channels: channels.map((channel) => ({ key: channelKey(channel), channel })),
    });
    return row;
  });
  if (!stored) return;
  log.info(
    {
      scheduleId: schedule.id,
      reportId: stored.id,
      from: period.from,
      to: period.to,
      channels: channels.length,
      skipped,
    },
    'report stored',
  );
  // Sent now rather than at the delivery job's next interval.
  if (channels.length > 0) await nudge(queues, 'deliver-notifications', {});
}

/** The run a job stands for: the fire time it names, else its scheduler's, on the worker's clock. */
export function scheduledRun(
  payload: { scheduleId: string; firedAt?: string | undefined },
  ctx: JobCtx,
): ScheduledRun {
  const firedAt = payload.firedAt
    ? new Date(payload.firedAt)
    : onWorkerClock(ctx.deps.clock, ctx.scheduledAt ?? new Date());
  return { scheduleId: payload.scheduleId, firedAt };
}
