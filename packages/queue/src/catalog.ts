import type { JobsOptions } from 'bullmq';
import { z } from 'zod';

/**
 * The BullMQ queues. One queue per X endpoint family, so a rate limit on one never stalls the
 * others; roll-ups on their own, as they never wait for X; alert evaluation apart from delivery, so
 * an unreachable webhook or SMTP server never holds up evaluation.
 */
export const QUEUE_NAMES = [
  'capture-poll',
  'capture-mastodon',
  'capture-refresh',
  'capture-coverage',
  'backfill',
  'rollups',
  'alerts',
  'notify',
  'reports',
] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

interface JobDef {
  queue: QueueName;
  schema: z.ZodType;
  opts: JobsOptions;
  /** The job scheduler id of a recurring job; BullMQ rejects ids containing ':' (guide/jobs/job-ids.md). */
  schedulerId: (payload: never) => string;
}

// Transient X failures (5xx, network, cut bodies) retry with exponential backoff and jitter, so a
// fleet of workers does not hammer X in step. Rate limits do not use attempts (BullMQ RateLimitError).
const retrying: JobsOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 },
  removeOnComplete: { count: 200 },
  removeOnFail: { count: 1_000 },
};

/** Every job tagpulse runs: queue, payload schema and default options, declared together. */
export const jobCatalog = {
  'poll-query': {
    queue: 'capture-poll',
    // A query covers one or more hashtags; its key names its cursor row (capture_cursors.query_key).
    schema: z.object({ queryKey: z.string().regex(/^[a-z0-9-]+$/) }),
    opts: retrying,
    schedulerId: (p: { queryKey: string }) => `poll-${p.queryKey}`,
  },
  'poll-mastodon': {
    // One instance's timeline of one hashtag; its cursor row (network 'mastodon') holds its place.
    queue: 'capture-mastodon',
    schema: z.object({
      queryKey: z.string().regex(/^mastodon-[a-z0-9-]+$/),
      instance: z.url({ protocol: /^https?$/ }),
      tagKey: z.string().min(1),
    }),
    opts: retrying,
    schedulerId: (p: { queryKey: string }) => `poll-${p.queryKey}`,
  },
  'refresh-engagement': {
    queue: 'capture-refresh',
    schema: z.object({}),
    opts: retrying,
    schedulerId: () => 'refresh-engagement',
  },
  'measure-coverage': {
    queue: 'capture-coverage',
    schema: z.object({}),
    opts: retrying,
    schedulerId: () => 'measure-coverage',
  },
  'fetch-x-usage': {
    // X's own account of the posts read per day (GET /2/usage/tweets), set beside the spend ledger.
    queue: 'capture-coverage',
    schema: z.object({}),
    opts: retrying,
    schedulerId: () => 'fetch-x-usage',
  },
  'run-backfill': {
    // One back-fill from X's full archive; its cursor is its row in Postgres, so any run resumes it.
    queue: 'backfill',
    schema: z.object({ backfillId: z.uuid() }),
    opts: retrying,
    schedulerId: (p: { backfillId: string }) => `backfill-${p.backfillId}`,
  },
  'compute-rollups': {
    queue: 'rollups',
    // The work list is the roll-up outbox in Postgres, not the payload: any run drains it all.
    schema: z.object({}),
    opts: { ...retrying, backoff: { type: 'exponential', delay: 200, jitter: 0.5 } },
    schedulerId: () => 'compute-rollups',
  },
  'evaluate-alerts': {
    queue: 'alerts',
    // Every enabled rule is evaluated from its stored state: any run catches up on everything.
    schema: z.object({}),
    opts: { ...retrying, backoff: { type: 'exponential', delay: 200, jitter: 0.5 } },
    schedulerId: () => 'evaluate-alerts',
  },
  'deliver-notifications': {
    queue: 'notify',
    // The work list is the delivery ledger in Postgres; its own backoff decides what is due.
    schema: z.object({}),
    opts: { ...retrying, backoff: { type: 'exponential', delay: 200, jitter: 0.5 } },
    schedulerId: () => 'deliver-notifications',
  },
  'build-report': {
    queue: 'reports',
    // One per report schedule, fired by its cron job scheduler (with the schedule's time zone); the
    // period comes from the fire time. `firedAt` runs a schedule for the period of another instant.
    schema: z.object({ scheduleId: z.uuid(), firedAt: z.iso.datetime({ offset: true }).optional() }),
    opts: { ...retrying, backoff: { type: 'exponential', delay: 5_000, jitter: 0.5 } },
    schedulerId: (p: { scheduleId: string }) => `report-${p.scheduleId}`,
  },
} as const satisfies Record<string, JobDef>;

export type JobName = keyof typeof jobCatalog;
export type JobPayload<K extends JobName> = z.infer<(typeof jobCatalog)[K]['schema']>;

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobCatalog, name);
}
