import { parseEnv, sharedEnvShape } from '@tagpulse/runtime';
import { workerEnvSchema } from '@tagpulse/worker';
import { z } from 'zod';

/**
 * What the benches read: the stores, and the worker's poll interval, which the worker a bench
 * spawns inherits and the freshness bench takes as its baseline.
 */
export const benchEnvSchema = z.object({
  ...sharedEnvShape,
  POLL_INTERVAL_MS: workerEnvSchema.shape.POLL_INTERVAL_MS,
});

export type BenchEnv = z.infer<typeof benchEnvSchema>;

export function loadBenchEnv(source: Record<string, string | undefined> = process.env): BenchEnv {
  return parseEnv(benchEnvSchema, source);
}
