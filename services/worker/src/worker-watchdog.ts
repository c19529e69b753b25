import type { QueueName, Queues } from '@tagpulse/queue';
import type { Logger } from '@tagpulse/runtime';
import type { Worker } from 'bullmq';

const RETIRE_WAIT_MS = 2_000;

/** What the watchdog knows of one queue's Worker at a check. */
export interface WorkerActivity {
  /** Jobs the Worker runs now, and how many it may. */
  running: number;
  concurrency: number;
  /** When (real ms) it last started a job; null: never. */
  lastStartedAt: number | null;
}

/** What the queue shows at a check. */
export interface QueueBacklog {
  /** Since when (real ms) its oldest waiting job may run; null: none waiting. */
  oldestRunnableSince: number | null;
  /** A 429 hold (the queue's limiter) or a pause keeps jobs waiting on purpose. */
  held: boolean;
}

/**
 * Whether a Worker has stopped taking jobs while the process and Redis are alive: a job has been
 * runnable for longer than the grace, the Worker has a free slot, and it has started nothing since
 * that job became runnable. A healthy Worker with a free slot takes a runnable job within a
 * blocking pop (well under a second: a new job wakes it). This is what BullMQ's blocking client
 * looks like when it stays wedged on a Redis Cluster master that died (BullMQ #4138): no error,
 * `isRunning()` true, the queue's other connection healthy.
 */
export function isWedged(
  activity: WorkerActivity,
  backlog: QueueBacklog,
  nowMs: number,
  graceMs: number,
): boolean {
  if (backlog.held || backlog.oldestRunnableSince === null) return false;
  if (activity.running >= activity.concurrency) return false;
  if (nowMs - backlog.oldestRunnableSince < graceMs) return false;
  return activity.lastStartedAt === null || activity.lastStartedAt < backlog.oldestRunnableSince;
}

/**
 * A queue's oldest runnable job and whether the queue holds its jobs on purpose. A delayed job
 * past its time counts: the Worker itself moves due delayed jobs to the wait list (a scheduler's
 * next run among them), so a wedged one leaves them delayed.
 */
async function backlogOf(queues: Queues, queue: QueueName, nowMs: number): Promise<QueueBacklog> {
  const q = queues[queue];
  const [waiting, delayed, limiterTtl, paused] = await Promise.all([
    q.getJobs(['wait'], 0, 0, true),
    q.getJobs(['delayed'], 0, 0, true),
    q.getRateLimitTtl(),
    q.isPaused(),
  ]);
  // A job may run from its timestamp plus its delay (a scheduler's run is created delayed).
  const since = [...waiting, ...delayed]
    .map((job) => job.timestamp + (job.delay ?? 0))
    .filter((t) => t <= nowMs);
  return {
    oldestRunnableSince: since.length > 0 ? Math.min(...since) : null,
    held: limiterTtl > 0 || paused,
  };
}

export interface ManagedWorkers {
  /** The Worker taking each queue's jobs now. */
  current(): Worker[];
  stop(): void;
  /** Closes the current Workers and waits for the replaced ones still finishing their jobs. */
  close(): Promise<void>;
}

/**
 * Runs one Worker per queue, made by `make`, and replaces a queue's Worker when it is wedged
 * ({@link isWedged}): the old one is closed in the background (it finishes the jobs it holds), a
 * new one, with a new blocking connection, takes the queue at once. Checked every `checkMs`.
 */
export function manageWorkers(options: {
  queues: Queues;
  names: readonly QueueName[];
  make: (queue: QueueName) => Worker;
  concurrency: number;
  graceMs: number;
  checkMs: number;
  log: Logger;
}): ManagedWorkers {
  const { queues, names, make, concurrency, graceMs, log } = options;
  const workers = new Map<QueueName, Worker>();
  const activity = new Map<QueueName, WorkerActivity>();
  const retiring = new Set<Promise<void>>();

  const start = (queue: QueueName) => {
    const worker = make(queue);
    const seen: WorkerActivity = { running: 0, concurrency, lastStartedAt: null };
    worker.on('active', () => {
      seen.running++;
      seen.lastStartedAt = Date.now();
    });
    const done = () => {
      seen.running = Math.max(0, seen.running - 1);
    };
    worker.on('completed', done);
    worker.on('failed', done);
    workers.set(queue, worker);
    activity.set(queue, seen);
  };
  for (const queue of names) start(queue);

  let checking = false;
  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      for (const queue of names) {
        const now = Date.now();
        const backlog = await backlogOf(queues, queue, now);
        const seen = activity.get(queue)!;
        if (!isWedged(seen, backlog, now, graceMs)) continue;
        const old = workers.get(queue)!;
        log.warn(
          { queue, waitedMs: now - (backlog.oldestRunnableSince ?? now), lastStartedAt: seen.lastStartedAt },
          'worker took no job while one waited past the grace: replaced by a new worker',
        );
        start(queue);
        const closing = old
          .close()
          .catch((err: unknown) => log.warn({ err, queue }, 'replaced worker did not close cleanly'))
          .finally(() => retiring.delete(closing));
        retiring.add(closing);
      }
    } catch (err) {
      // Redis unreachable: nothing to judge now; the next check looks again.
      log.debug({ err }, 'worker watchdog check failed');
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), options.checkMs);
  timer.unref();

  return {
    current: () => [...workers.values()],
    stop: () => clearInterval(timer),
    async close() {
      clearInterval(timer);
      // A replaced Worker may never finish closing (its connection is what wedged): waited for
      // beside the current ones, not for long, so shutdown keeps within its deadline.
      let bound: NodeJS.Timeout | undefined;
      const retired = Promise.race([
        Promise.all(retiring),
        new Promise((resolve) => {
          bound = setTimeout(resolve, RETIRE_WAIT_MS);
        }),
      ]);
      await Promise.all([...[...workers.values()].map((w) => w.close()), retired]);
      clearTimeout(bound);
    },
  };
}
