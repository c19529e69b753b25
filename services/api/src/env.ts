import { apiAddressEnvShape, commaListEnv, parseEnv, sharedEnvShape } from '@tagpulse/runtime';
import { z } from 'zod';

/** Every variable the query API reads. */
export const apiEnvSchema = z.object({
  ...sharedEnvShape,
  ...apiAddressEnvShape,
  // --- scale (issue 19): the read replica ---
  /** A streaming replica for the API's `/v1` reads; unset, the API reads DATABASE_URL. */
  DATABASE_READ_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'expected a postgres:// URL' }).optional(),
  // --- end scale ---
  /** Requests one API key (or one address, on the routes without a key) may make per minute. */
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** Requests one client address may make per minute without a key already verified (wrong keys, /readyz, …). */
  API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** Longest one SQL statement of the API may run before PostgreSQL cancels it (the request is a 503). */
  API_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Report previews one API process builds at once; more are a 503 with Retry-After. */
  API_PREVIEW_CONCURRENCY: z.coerce.number().int().min(1).default(2),
  /** Megabytes of computed answers the API keeps until a change alters them; 0 turns the cache off. */
  API_CACHE_MB: z.coerce.number().min(0).default(64),
  /** Time zones besides UTC whose roll-ups a read key may have registered; admin keys may add more. */
  ROLLUP_ZONES_MAX: z.coerce.number().int().min(0).default(16),
  /** Comma-separated origins allowed to call the API from a browser; empty keeps CORS off. */
  CORS_ORIGINS: commaListEnv(
    z.url({ protocol: /^https?$/, error: 'expected comma-separated http(s) origins' }),
  ),
});

export type ApiEnv = z.infer<typeof apiEnvSchema>;

/** Parses {@link apiEnvSchema} from the process environment. */
export function loadApiEnv(source: Record<string, string | undefined> = process.env): ApiEnv {
  return parseEnv(apiEnvSchema, source);
}
