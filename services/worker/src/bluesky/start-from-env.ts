import { type BlueskyApi, createBlueskyApi } from '@tagpulse/bluesky-client';
import type { RedisClient } from '@tagpulse/queue';
import type { WorkerDeps } from '../deps.js';
import type { WorkerEnv } from '../env.js';
import { type BlueskyCapture, startBlueskyCapture } from './jetstream-capture.js';

/** Bluesky's XRPC as configured; none (Bluesky off) without BLUESKY_JETSTREAM_URL. */
export function blueskyApiFromEnv(env: WorkerEnv): BlueskyApi | undefined {
  if (!env.BLUESKY_JETSTREAM_URL) return undefined;
  return createBlueskyApi({
    serviceUrl: env.BLUESKY_SERVICE_URL,
    handle: env.BLUESKY_HANDLE,
    appPassword: env.BLUESKY_APP_PASSWORD,
  });
}

/** The Jetstream reader as configured: off without BLUESKY_JETSTREAM_URL. */
export function startBlueskyFromEnv(
  env: WorkerEnv,
  deps: WorkerDeps,
  redis: RedisClient,
): BlueskyCapture | undefined {
  if (!env.BLUESKY_JETSTREAM_URL || !deps.bluesky) return undefined;
  return startBlueskyCapture(
    { ...deps, redis, api: deps.bluesky },
    {
      jetstreamUrl: env.BLUESKY_JETSTREAM_URL,
      replayWindowMs: env.BLUESKY_REPLAY_WINDOW_SECONDS * 1_000,
      lockKey: `${env.QUEUE_PREFIX}:bluesky:jetstream-reader`,
    },
  );
}
