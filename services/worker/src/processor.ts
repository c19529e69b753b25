import { isJobName, type JobName, type JobPayload, jobCatalog, type QueueName } from '@tagpulse/queue';
import { jobLogger } from '@tagpulse/runtime';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { WorkerDeps } from './deps.js';
import type { JobCtx } from './job-context.js';
import { type Handler, handlers } from './registry.js';

function dispatch<K extends JobName>(name: K, payload: JobPayload<K>, ctx: JobCtx): Promise<void> {
  return (handlers[name] as Handler<K>)(payload, ctx);
}

/**
 * The one processor of a queue: checks the job belongs here, validates its
 * payload where it is consumed (a bad payload will never get better, so it is
 * unrecoverable) and dispatches to the handler.
 */
export function createProcessor(queue: QueueName, deps: WorkerDeps) {
  return async (job: Job): Promise<void> => {
    const name = job.name;
    if (!isJobName(name) || jobCatalog[name].queue !== queue) {
      throw new UnrecoverableError(`no job "${name}" on queue ${queue}`);
    }
    const parsed = jobCatalog[name].schema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid payload for ${name}: ${parsed.error.message}`);
    const ctx: JobCtx = {
      deps,
      log: jobLogger(deps.log, { queueName: queue, name, id: job.id }),
      async rateLimited(resetAt) {
        // queue.rateLimit is worker.rateLimit's successor in BullMQ 6; both set the queue-wide limiter key.
        await deps.queues[queue].rateLimit(Math.max(1, deps.clock.realMsUntil(resetAt)));
        return Worker.RateLimitError();
      },
      // BullMQ stamps each job a scheduler makes with the instant it was due for (prevMillis).
      scheduledAt: job.opts.prevMillis === undefined ? undefined : new Date(job.opts.prevMillis),
    };
    await dispatch(name, parsed.data as JobPayload<typeof name>, ctx);
  };
}
