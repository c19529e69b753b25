import type { Database } from '@tagpulse/db';
import type { Queues } from '@tagpulse/queue';
import type { Logger } from '@tagpulse/runtime';
import type { XApi } from '@tagpulse/x-client';
import type { Kysely } from 'kysely';
import type { WorkerClock } from './clock.js';

export interface CaptureSettings {
  overlapMs: number;
  maxPagesPerJob: number;
  queryMaxLength: number;
  refreshBatchesPerRun: number;
  coverageHours: number;
  /** How often (in X time) a usage-capped or auth-failed query is tried again. */
  pausedProbeMs: number;
}

/** What every job handler may use; built once in main.ts. */
export interface WorkerDeps {
  db: Kysely<Database>;
  queues: Queues;
  x: XApi;
  clock: WorkerClock;
  log: Logger;
  settings: CaptureSettings;
}
