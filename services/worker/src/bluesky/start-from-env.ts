import { createBlueskyApi } from '@tagpulse/bluesky-client';
import type { WorkerEnv } from '../env.js';
import { type BlueskyCapture, type BlueskyCaptureDeps, startBlueskyCapture } from './jetstream-capture.js';

/** Bluesky capture as configured: off without BLUESKY_JETSTREAM_URL. */
export function startBlueskyFromEnv(
  env: WorkerEnv,
  deps: Omit<BlueskyCaptureDeps, 'api'>,
): BlueskyCapture | undefined {
  if (!env.BLUESKY_JETSTREAM_URL) return undefined;
  const api = createBlueskyApi({
    serviceUrl: env.BLUESKY_SERVICE_URL,
    handle: env.BLUESKY_HANDLE,
    appPassword: env.BLUESKY_APP_PASSWORD,
  });
  return startBlueskyCapture(
    { ...deps, api },
    {
      jetstreamUrl: env.BLUESKY_JETSTREAM_URL,
      replayWindowMs: env.BLUESKY_REPLAY_WINDOW_SECONDS * 1_000,
      lockKey: `${env.QUEUE_PREFIX}:bluesky:jetstream-reader`,
    },
  );
}
