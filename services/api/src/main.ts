import { createDb } from '@tagpulse/db';
import { closeQueues, createQueues, createRedis } from '@tagpulse/queue';
import { createLogger, createShutdown, type Logger } from '@tagpulse/runtime';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { startCaches } from './caches.js';
import type { ApiEnv } from './env.js';
import { ReadPools } from './read-pools.js';

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  log: Logger;
}

/**
 * Starts the API: dependencies, the app, then `listen`. Shutdown stops intake
 * first (`app.close()` lets in-flight requests finish), then the queues,
 * Redis and Postgres.
 */
export async function runApi(env: ApiEnv): Promise<RunningApi> {
  const log = createLogger({ service: 'api', level: env.LOG_LEVEL });
  const shutdown = createShutdown({ log, timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
  shutdown.listen();
  const db = createDb({
    url: env.DATABASE_URL,
    max: 20,
    applicationName: 'tagpulse-api',
    statementTimeoutMs: env.API_STATEMENT_TIMEOUT_MS,
    onIdleError: (err) => log.error({ err }, 'idle postgres connection failed'),
  });
  // Every /v1 read but those a write decides on; read-only, so a write routed to it fails loudly.
  const replica =
    env.DATABASE_READ_URL === undefined
      ? undefined
      : createDb({
          url: env.DATABASE_READ_URL,
          max: 20,
          applicationName: 'tagpulse-api-read',
          statementTimeoutMs: env.API_STATEMENT_TIMEOUT_MS,
          readOnly: true,
          onIdleError: (err) => log.error({ err }, 'idle replica connection failed'),
        });
  const pools = new ReadPools(db, replica);
  const redis = createRedis(env.REDIS_URL, 'producer', (err) => log.error({ err }, 'redis error'), {
    cluster: env.REDIS_CLUSTER,
  });
  // A producer connection refuses commands until it is up; wait so the first requests are not 503s.
  await new Promise((resolve) => redis.once('ready', resolve));
  // For queue depths and the report schedules' job schedulers; the worker owns the jobs.
  const queues = createQueues(redis, env.QUEUE_PREFIX, (err) => log.error({ err }, 'queue error'));
  const caches = await startCaches({
    url: env.DATABASE_URL,
    maxBytes: env.API_CACHE_MB * 1024 * 1024,
    log,
    pools,
  });
  const app = await buildApp({
    db,
    pools,
    cache: caches.answers,
    keys: caches.keys,
    zonesMax: env.ROLLUP_ZONES_MAX,
    redis,
    log,
    now: () => new Date(),
    rateLimit: {
      max: env.API_RATE_LIMIT_PER_MINUTE,
      windowMs: 60_000,
      nameSpace: `${env.QUEUE_PREFIX}-rate-`,
      perAddress: env.API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
    },
    corsOrigins: env.CORS_ORIGINS,
    previewConcurrency: env.API_PREVIEW_CONCURRENCY,
    queuePrefix: env.QUEUE_PREFIX,
    queues,
    queueCounts: async () =>
      Object.fromEntries(
        await Promise.all(
          Object.values(queues).map(async (q) => [
            q.name,
            await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'),
          ]),
        ),
      ),
  });
  shutdown.register('http', () => app.close());
  shutdown.register('queues', async () => {
    await closeQueues(queues);
  });
  shutdown.register('redis', async () => {
    await redis.quit();
  });
  shutdown.register('postgres', async () => {
    await caches.close();
    await replica?.destroy();
    await db.destroy();
  });
  const url = await app.listen({ host: env.API_HOST, port: env.API_PORT });
  return { app, url, log };
}
