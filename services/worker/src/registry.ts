import type { JobName, JobPayload } from '@tagpulse/queue';
import type { JobCtx } from './job-context.js';
import { runBackfill } from './jobs/backfill.job.js';
import { buildReportJob } from './jobs/build-report.job.js';
import { computeRollups } from './jobs/compute-rollups.job.js';
import { deliverNotifications } from './jobs/deliver-notifications.job.js';
import { evaluateAlerts } from './jobs/evaluate-alerts.job.js';
import { fetchXUsage } from './jobs/fetch-x-usage.job.js';
import { measureCoverage } from './jobs/measure-coverage.job.js';
import { pollMastodon } from './jobs/poll-mastodon.job.js';
import { pollQuery } from './jobs/poll-query.job.js';
import { refreshEngagement } from './jobs/refresh-engagement.job.js';

export type Handler<K extends JobName> = (payload: JobPayload<K>, ctx: JobCtx) => Promise<void>;

/** One handler per job of the catalog: a job without a handler does not compile. */
export const handlers: { [K in JobName]: Handler<K> } = {
  'poll-query': pollQuery,
  'poll-mastodon': pollMastodon,
  'refresh-engagement': refreshEngagement,
  'measure-coverage': measureCoverage,
  'fetch-x-usage': fetchXUsage,
  'run-backfill': runBackfill,
  'compute-rollups': computeRollups,
  'evaluate-alerts': evaluateAlerts,
  'deliver-notifications': deliverNotifications,
  'build-report': buildReportJob,
};
