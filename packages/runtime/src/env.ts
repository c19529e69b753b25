import { z } from 'zod';

// Each service parses its own settings (services/api/src/env.ts, services/worker/src/env.ts,
// services/cli/src/env.ts, packages/bench/src/env.ts), composed from the shared pieces here.

/** Raised when the environment does not parse; its message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * A flag read from the environment. `z.coerce.boolean()` would read "false" as true,
 * so only "true"/"1" (any case) count as set.
 */
export const BoolEnv = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  return ['true', '1'].includes(value.trim().toLowerCase());
}, z.boolean());

/** An http:// or https:// URL. */
export const HttpUrlEnv = z.url({ protocol: /^https?$/, error: 'expected an http(s):// URL' });

export const PortEnv = z.coerce
  .number({ error: 'expected a port number' })
  .int('expected a whole port number')
  .min(1, 'expected a port between 1 and 65535')
  .max(65_535, 'expected a port between 1 and 65535');

export const UsdEnv = z.coerce
  .number({ error: 'expected an amount in USD' })
  .min(0, 'expected an amount of 0 or more');

/** The items of a comma-separated setting, trimmed, empty ones left out. */
function commaItems(value: string): string[] {
  return value
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

/** A comma-separated list of `item`s; empty (or unset) is the empty list. */
export function commaListEnv<T extends z.ZodType<unknown, string>>(item: T) {
  return z.string().default('').transform(commaItems).pipe(z.array(item));
}

const redisUrl = z.url({ protocol: /^rediss?$/, error: 'expected a redis:// URL' });

/** What every process that reaches the stores reads: where they are, how it logs and stops. */
export const sharedEnvShape = {
  // The password is ignored by trust auth and matches what `tagpulse services` sets on a fresh install.
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'expected a postgres:// URL' })
    .default('postgres://postgres:postgres@127.0.0.1:5432/tagpulse'),
  /** One Redis URL, or a Redis Cluster's seed nodes as comma-separated URLs. */
  REDIS_URL: z
    .string()
    .refine((v) => {
      const urls = commaItems(v);
      return urls.length > 0 && urls.every((u) => redisUrl.safeParse(u).success);
    }, 'expected a redis:// URL, or several comma-separated (a Redis Cluster)')
    .default('redis://127.0.0.1:6379'),
  /** Connect through the Redis Cluster client even when REDIS_URL names one node (a cluster's seed). */
  REDIS_CLUSTER: BoolEnv.default(false),
  /** Prefix of every BullMQ key; tests give each worker process group its own. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, - or _ (no ":")')
    .default('tagpulse'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How long a graceful shutdown may take before the process is ended. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
};

/**
 * Where the query API listens: the API binds it, the worker's notice links and `tagpulse start`'s
 * dashboard URL default to it.
 */
export const apiAddressEnvShape = {
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: PortEnv.default(3000),
};

export const sharedEnvSchema = z.object(sharedEnvShape);
export type SharedEnv = z.infer<typeof sharedEnvSchema>;

// Every URL counts: a database or Redis URL carries its password, a webhook URL is one.
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|KEY|_URL$/i;

/**
 * Parses the environment once, at start-up. Empty strings count as unset, as
 * `FOO=` in a compose file means "not given". On failure the error names the
 * first bad variable in one line, and never echoes a secret's value.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  source: Record<string, string | undefined>,
): z.infer<S> {
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = String(issue?.path[0] ?? 'environment');
  const raw = cleaned[name];
  const shown =
    raw === undefined ? 'not set' : SECRET_NAME.test(name) ? 'value hidden' : `got ${JSON.stringify(raw)}`;
  throw new ConfigError(`Invalid environment variable ${name}: ${issue?.message ?? 'invalid'} (${shown})`);
}

/** The shared settings alone, for commands and tests that only reach the stores. */
export function loadSharedEnv(source: Record<string, string | undefined> = process.env): SharedEnv {
  return parseEnv(sharedEnvSchema, source);
}
