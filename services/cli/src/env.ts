import { apiEnvSchema } from '@tagpulse/api';
import { parseEnv } from '@tagpulse/runtime';
import { workerEnvSchema } from '@tagpulse/worker';
import { z } from 'zod';

/**
 * What `tagpulse start` reads: the settings of both services it runs, parsed before either is
 * spawned, so a bad variable is one clear line instead of a child that dies.
 */
export const startEnvSchema = z.object({ ...workerEnvSchema.shape, ...apiEnvSchema.shape });

export type StartEnv = z.infer<typeof startEnvSchema>;

export function loadStartEnv(source: Record<string, string | undefined> = process.env): StartEnv {
  return parseEnv(startEnvSchema, source);
}
