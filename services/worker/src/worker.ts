import { createDb, rollupDefinitions, rollupsRepository } from '@tagpulse/db';
import { createMastodonApi } from '@tagpulse/mastodon-client';
import { createDeliverer, sendDeadlineMs } from '@tagpulse/notify';
import {
  closeQueues,
  createQueues,
  createRedis,
  hashtagsChangedChannel,
  QUEUE_NAMES,
  queuePrefix,
} from '@tagpulse/queue';
import { ConfigError, createLogger, createShutdown, type Logger, type Shutdown } from '@tagpulse/runtime';
import { createXApi, defaultPrices, type XPrices } from '@tagpulse/x-client';
import { Worker } from 'bullmq';
import { blueskyApiFromEnv, startBlueskyFromEnv } from './bluesky/start-from-env.js';
import { createCaptureSync } from './capture-sync.js';
import { createWorkerClock, type WorkerClock } from './clock.js';
import type { AlertSettings, CaptureSettings, WorkerDeps } from './deps.js';
import type { WorkerEnv } from './env.js';
import { createProcessor } from './processor.js';
import { manageWorkers } from './worker-watchdog.js';

// x-sim accepts any bearer token; the real API needs X_BEARER_TOKEN.
const SIM_TOKEN = 'x-sim-accepts-any-bearer-token';

export interface RunningWorker {
  log: Logger;
  /** Register steps to run after the worker's own (e.g. closing an in-process x-sim). */
  shutdown: Shutdown;
}

function captureSettings(env: WorkerEnv, clock: WorkerClock): CaptureSettings {
  return {
    overlapMs: env.POLL_OVERLAP_SECONDS * 1_000,
    maxPagesPerJob: env.POLL_MAX_PAGES_PER_JOB,
    queryMaxLength: env.X_QUERY_MAX_LENGTH,
    refreshBatchesPerRun: env.REFRESH_BATCHES_PER_RUN,
    coverageHours: env.COVERAGE_HOURS,
    pausedProbeMs: 3_600_000,
    prices: xPrices(env),
    monthlyBudgetUsd: env.X_MONTHLY_BUDGET_USD,
    slowPollMs: 10 * 60_000,
    sparseCoverageMs: 6 * 3_600_000,
    maxDelayMs: env.CAPTURE_MAX_DELAY_SECONDS * 1_000,
    pollTickMs: clock.xMs(env.POLL_INTERVAL_MS),
    mastodonOverlapMs: env.MASTODON_OVERLAP_SECONDS * 1_000,
    mastodonFirstPollMs: env.MASTODON_FIRST_POLL_HOURS * 3_600_000,
    mastodonLookupsPerRun: env.MASTODON_LOOKUPS_PER_RUN,
  };
}

/** X's published prices for the access bought, each overridable by its X_PRICE_* variable. */
export function xPrices(env: WorkerEnv): XPrices {
  const table = defaultPrices(env.X_ACCESS);
  return {
    postRead: env.X_PRICE_POST_READ ?? table.postRead,
    userRead: env.X_BILL_EXPANDED_USERS ? (env.X_PRICE_USER_READ ?? table.userRead) : 0,
    countsRecent: env.X_PRICE_COUNTS_RECENT ?? table.countsRecent,
    countsAll: env.X_PRICE_COUNTS_ALL ?? table.countsAll,
    emptyRequest: env.X_PRICE_EMPTY_REQUEST ?? table.emptyRequest,
  };
}

function alertSettings(env: WorkerEnv): AlertSettings {
  return {
    settleMs: env.ALERT_SETTLE_SECONDS * 1_000,
    stallMs: env.ALERT_STALL_MINUTES * 60_000,
    defaultChannels: [
      ...(env.ALERT_WEBHOOK_URL ? [{ type: 'webhook' as const, url: env.ALERT_WEBHOOK_URL }] : []),
      ...(env.ALERT_EMAIL_TO.length > 0 ? [{ type: 'email' as const, to: env.ALERT_EMAIL_TO }] : []),
    ],
    publicUrl: env.PUBLIC_URL ?? `http://${env.API_HOST}:${env.API_PORT}`,
    // Longer than one attempt can take, so a live worker's delivery is never taken over.
    deliveryLeaseMs: sendDeadlineMs(env.DELIVERY_TIMEOUT_MS) + 2_000,
  };
}

/**
 * Starts a capture worker process: dependencies, then the BullMQ workers,
 * then the schedulers; shutdown closes them in the reverse order of intake
 * (workers finish their page, then queues, Redis, Postgres).
 */
export async function runWorker(env: WorkerEnv): Promise<RunningWorker> {
  if (!env.X_BEARER_TOKEN && !env.X_API_BASE_URL) {
    throw new ConfigError('X_BEARER_TOKEN is required, unless X_API_BASE_URL points at x-sim');
  }
  const log = createLogger({ service: 'worker', level: env.LOG_LEVEL });
  const shutdown = createShutdown({ log, timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
  shutdown.listen();
  const onRedisError = (err: Error) => log.error({ err }, 'redis error');
  const db = createDb({
    url: env.DATABASE_URL,
    max: env.WORKER_CONCURRENCY * QUEUE_NAMES.length + 2,
    applicationName: 'tagpulse-worker',
    onIdleError: (err) => log.error({ err }, 'idle postgres connection failed'),
  });
  const target = { cluster: env.REDIS_CLUSTER };
  const redis = createRedis(env.REDIS_URL, 'worker', onRedisError, target);
  const subscriber = createRedis(env.REDIS_URL, 'worker', onRedisError, target);
  const queues = createQueues(redis, env.QUEUE_PREFIX, (err) => log.error({ err }, 'queue error'));
  const clock = await createWorkerClock(env.X_CLOCK_URL, log);
  const x = createXApi({
    bearerToken: env.X_BEARER_TOKEN ?? SIM_TOKEN,
    ...(env.X_API_BASE_URL ? { baseUrl: env.X_API_BASE_URL } : {}),
    dialect: env.X_FIELD_DIALECT,
    onDialectChange: (dialect, rejected) =>
      log.warn(
        { dialect, rejected },
        `X does not know ${rejected}: asking in the ${dialect} field names from now on`,
      ),
  });
  const deliverer = createDeliverer({
    smtpUrl: env.SMTP_URL,
    from: env.ALERT_EMAIL_FROM,
    timeoutMs: env.DELIVERY_TIMEOUT_MS,
    webhooks: { allowPrivate: env.WEBHOOK_ALLOW_PRIVATE, allowHosts: env.WEBHOOK_ALLOW_HOSTS },
    smtp: { allowInsecureAuth: env.SMTP_ALLOW_INSECURE_AUTH },
  });
  const deps: WorkerDeps = {
    db,
    queues,
    x,
    mastodon: new Map(env.MASTODON_INSTANCES.map((url) => [url, createMastodonApi({ url })])),
    bluesky: blueskyApiFromEnv(env),
    clock,
    log,
    settings: captureSettings(env, clock),
    alerts: alertSettings(env),
    deliverer,
  };

  const workers = manageWorkers({
    queues,
    names: QUEUE_NAMES,
    concurrency: env.WORKER_CONCURRENCY,
    graceMs: env.WORKER_WATCHDOG_SECONDS * 1_000,
    checkMs: Math.min(5_000, env.WORKER_WATCHDOG_SECONDS * 500),
    log,
    make: (queue) => {
      const worker = new Worker(queue, createProcessor(queue, deps), {
        connection: redis,
        prefix: queuePrefix(redis, env.QUEUE_PREFIX, queue),
        concurrency: env.WORKER_CONCURRENCY,
      });
      worker.on('error', (err) => log.error({ err, queue }, 'worker error'));
      worker.on('failed', (job, err) =>
        log.warn({ err, queue, job: job?.name, jobId: job?.id }, 'job failed'),
      );
      return worker;
    },
  });

  // A change of the metric definitions, or of the search index they assume, reaches the whole
  // history before new figures are served.
  await rollupDefinitions.setSearchIndexMode(db, env.X_SEARCH_INDEX);
  const outdated = await rollupsRepository.recomputeOutdated(db);
  if (outdated > 0)
    log.info({ buckets: outdated }, 'roll-ups recomputed under the current metric definitions');

  const sync = createCaptureSync(deps, {
    pollMs: env.POLL_INTERVAL_MS,
    refreshMs: env.REFRESH_INTERVAL_MS,
    coverageMs: env.COVERAGE_INTERVAL_MS,
    rollupMs: env.ROLLUP_INTERVAL_MS,
    alertMs: env.ALERT_INTERVAL_MS,
    deliveryMs: env.DELIVERY_INTERVAL_MS,
    usageMs: env.X_USAGE_INTERVAL_MS,
  });
  const resync = () => sync.run().catch((err: unknown) => log.error({ err }, 'hashtag sync failed'));
  await sync.run();
  // A CLI change announces itself at once; the interval catches a missed message.
  const channel = hashtagsChangedChannel(env.QUEUE_PREFIX);
  await subscriber.subscribe(channel);
  subscriber.on('message', (ch) => ch === channel && void resync());
  const timer = setInterval(resync, env.HASHTAG_SYNC_MS);
  const bluesky = startBlueskyFromEnv(env, deps, redis);

  shutdown.register('stop hashtag sync', async () => {
    clearInterval(timer);
    clock.stop();
    await subscriber.quit();
  });
  shutdown.register('stop bluesky capture', async () => bluesky?.stop());
  shutdown.register('close workers', () => workers.close());
  shutdown.register('close queues', () => closeQueues(queues));
  shutdown.register('close mailer', () => deliverer.close());
  shutdown.register('close redis', async () => {
    await redis.quit();
  });
  shutdown.register('close postgres', () => db.destroy());
  log.info({ queues: QUEUE_NAMES, concurrency: env.WORKER_CONCURRENCY }, 'worker started');
  return { log, shutdown };
}
