import type { Logger } from '@tagpulse/runtime';
import type { WorkerDeps } from './deps.js';

export interface JobCtx {
  deps: WorkerDeps;
  log: Logger;
  /**
   * Pauses this job's queue, for every worker, until X's rate window resets,
   * and returns the error to throw so BullMQ retries the job then without
   * spending an attempt (BullMQ "rate limiting"). Never sleep in a job.
   */
  rateLimited(resetAt: Date): Promise<Error>;
  /**
   * The instant (real time) a job scheduler meant this run for, the same on every retry; undefined
   * for a job added once. Work about "the period that just ended" derives it from this, not from
   * when a worker got to the job.
   */
  scheduledAt?: Date | undefined;
}
