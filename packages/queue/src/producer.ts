import { Queue } from 'bullmq';
import { type JobName, type JobPayload, jobCatalog, QUEUE_NAMES, type QueueName } from './catalog.js';
import type { RedisClient } from './connection.js';

export type Queues = Record<QueueName, Queue>;

/**
 * BullMQ's key prefix for `queue` on `connection`. On a Redis Cluster every key a BullMQ script
 * touches must hash to one slot, so the prefix is a hash tag; one tag per queue (`{tagpulse-rollups}`)
 * rather than one for all (`{tagpulse}`) lets the cluster place the queues on different shards, where
 * a single tag would put every queue on one master and leave the others idle. No script spans two
 * queues (no flows), so nothing needs them together. On one server the keys stay `tagpulse:rollups:…`.
 */
export function queuePrefix(connection: RedisClient, prefix: string, queue: QueueName): string {
  return connection.isCluster ? `{${prefix}-${queue}}` : prefix;
}

/** One Queue per catalog queue, on a shared connection, each with an error listener (BullMQ production guide). */
export function createQueues(connection: RedisClient, prefix: string, onError: (err: Error) => void): Queues {
  const entries = QUEUE_NAMES.map((name) => {
    const queue = new Queue(name, { connection, prefix: queuePrefix(connection, prefix, name) });
    queue.on('error', onError);
    return [name, queue] as const;
  });
  return Object.fromEntries(entries) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}

/**
 * Creates or updates the recurring job for a payload (`upsertJobScheduler`,
 * idempotent across processes and deploys). `everyMs` is real time.
 */
export async function upsertSchedule<K extends JobName>(
  queues: Queues,
  name: K,
  payload: JobPayload<K>,
  everyMs: number,
): Promise<string> {
  const def = jobCatalog[name];
  const id = def.schedulerId(payload as never);
  await queues[def.queue].upsertJobScheduler(id, { every: everyMs }, { name, data: payload, opts: def.opts });
  return id;
}

/** A recurring job as the worker wants it: which job, for what, how often (real time). */
export type Schedule = { [K in JobName]: { name: K; payload: JobPayload<K>; everyMs: number } }[JobName];

/** Upserts each schedule (see upsertSchedule). */
export async function upsertSchedules(queues: Queues, schedules: Schedule[]): Promise<void> {
  // A union of payloads does not narrow to each name's: the catalog pairs them.
  for (const s of schedules) await upsertSchedule(queues, s.name, s.payload as never, s.everyMs);
}

/** How overdue a scheduler's next run may be before it counts as lost: a busy queue delays runs, rarely by ten. */
const LAPSE_INTERVALS = 10;
const LAPSE_MIN_MS = 30_000;

/**
 * The schedules whose next run is long overdue, in two kinds. `lost`: the scheduler is gone, or
 * its next run is nowhere. BullMQ adds a scheduler's next run only when a worker starts the current
 * one, so a run lost with the last unreplicated writes of a failed Redis master is never followed
 * by another: nothing but an upsert brings the scheduler back. `untaken`: the run is there, waiting,
 * and no worker takes it (a wedged worker: the worker watchdog's case, not an upsert's).
 */
export async function lapsedSchedules(
  queues: Queues,
  schedules: Schedule[],
  nowMs: number,
): Promise<{ lost: Schedule[]; untaken: Schedule[] }> {
  const kinds = await Promise.all(
    schedules.map(async (s) => {
      const def = jobCatalog[s.name];
      const queue = queues[def.queue];
      const id = def.schedulerId(s.payload as never);
      const scheduler = await queue.getJobScheduler(id);
      const graceMs = Math.max(LAPSE_INTERVALS * s.everyMs, LAPSE_MIN_MS);
      if (scheduler?.next == null) return 'lost';
      if (scheduler.next >= nowMs - graceMs) return 'on time';
      // The scheduler's run carries its id and due time (BullMQ's `repeat:<id>:<next>`).
      const state = await queue.getJobState(`repeat:${id}:${scheduler.next}`);
      return state === 'waiting' || state === 'prioritized' ? 'untaken' : 'lost';
    }),
  );
  return {
    lost: schedules.filter((_, i) => kinds[i] === 'lost'),
    untaken: schedules.filter((_, i) => kinds[i] === 'untaken'),
  };
}

/**
 * Adds one run of a job unless one is already waiting (BullMQ deduplication by
 * the scheduler id): a nudge that many producers may send at once.
 */
export async function nudge<K extends JobName>(
  queues: Queues,
  name: K,
  payload: JobPayload<K>,
): Promise<void> {
  const def = jobCatalog[name];
  const id = def.schedulerId(payload as never);
  await queues[def.queue].add(name, payload, { ...def.opts, deduplication: { id } });
}

/** Removes the recurring jobs of a queue whose ids start with `prefix` and are not in `keep`. */
export async function removeSchedulesExcept(
  queues: Queues,
  queue: QueueName,
  prefix: string,
  keep: Set<string>,
): Promise<string[]> {
  const schedulers = await queues[queue].getJobSchedulers();
  const stale = schedulers.map((s) => s.key).filter((id) => id.startsWith(prefix) && !keep.has(id));
  await Promise.all(stale.map((id) => queues[queue].removeJobScheduler(id)));
  return stale;
}

/** The Redis pub/sub channel on which a change of tracked hashtags is announced to running workers. */
export function hashtagsChangedChannel(prefix: string): string {
  return `${prefix}:hashtags-changed`;
}
