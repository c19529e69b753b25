import type { JobPayload } from '@tagpulse/queue';
import type { JobCtx } from '../job-context.js';
import { buildScheduledReport, scheduledRun } from '../reports/build-scheduled-report.js';

/** One fire of a report schedule: builds, stores and queues the report of the period that ended. */
export async function buildReportJob(payload: JobPayload<'build-report'>, ctx: JobCtx): Promise<void> {
  await buildScheduledReport(scheduledRun(payload, ctx), ctx);
}
