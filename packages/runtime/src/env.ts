import { z } from 'zod';

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

const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: 'expected a postgres:// URL' });
const redisUrl = z.url({ protocol: /^rediss?$/, error: 'expected a redis:// URL' });
/** One Redis URL, or a Redis Cluster's seed nodes as comma-separated URLs. */
const redisUrls = z.string().refine((v) => {
  const urls = v
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);
  return urls.length > 0 && urls.every((u) => redisUrl.safeParse(u).success);
}, 'expected a redis:// URL, or several comma-separated (a Redis Cluster)');
const port = z.coerce
  .number({ error: 'expected a port number' })
  .int('expected a whole port number')
  .min(1, 'expected a port between 1 and 65535')
  .max(65_535, 'expected a port between 1 and 65535');

const usd = z.coerce.number({ error: 'expected an amount in USD' }).min(0, 'expected an amount of 0 or more');

/** A comma-separated list of `item`s; empty (or unset) is the empty list. */
function commaList<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x.length > 0),
    )
    .pipe(z.array(item));
}

/** Every variable tagpulse reads. Nothing else in the code reads `process.env`. */
export const envSchema = z.object({
  // The password is ignored by trust auth and matches what `tagpulse services` sets on a fresh install.
  DATABASE_URL: postgresUrl.default('postgres://postgres:postgres@127.0.0.1:5432/tagpulse'),
  REDIS_URL: redisUrls.default('redis://127.0.0.1:6379'),
  // --- scale (issue 19): Redis Cluster and the API's read replica ---
  /** Connect through the Redis Cluster client even when REDIS_URL names one node (a cluster's seed). */
  REDIS_CLUSTER: BoolEnv.default(false),
  /** A streaming replica for the API's reads (`/v1` GETs); unset, the API reads DATABASE_URL. */
  DATABASE_READ_URL: postgresUrl.optional(),
  // --- end scale ---
  /** Absent means: no real X access; `start` runs on x-sim instead. */
  X_BEARER_TOKEN: z.string().min(20, 'expected an X bearer token (20 characters or more)').optional(),
  /** Absent means the real API; x-sim's base URL otherwise. */
  X_API_BASE_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s):// URL' }).optional(),
  /**
   * Where the worker reads X's now (`{ now, speed }`), set by whoever starts x-sim: its
   * `/__sim/clock`. Absent means the system clock, as against the real API.
   */
  X_CLOCK_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s):// URL' }).optional(),
  /** Field names asked in first (OpenAPI v2.152 `tweet` or v2.167 `post`); X's 400 corrects a wrong guess. */
  X_FIELD_DIALECT: z.enum(['tweet', 'post']).default('tweet'),
  /** The X access bought: what is billed per read (`pay-per-use`) or covered by a monthly plan. */
  X_ACCESS: z.enum(['pay-per-use', 'basic', 'pro', 'enterprise']).default('pay-per-use'),
  /**
   * X's search index the figures assume: `auto` observes it (a UTC day with a repost stored was
   * read from an index that returns reposts); `2026` (no reposts in search) or `legacy` force it.
   */
  X_SEARCH_INDEX: z.enum(['auto', '2026', 'legacy']).default('auto'),
  /** Prices in USD; unset, X's published pay-per-use table (0 on the flat-fee plans). */
  X_PRICE_POST_READ: usd.optional(),
  X_PRICE_USER_READ: usd.optional(),
  X_PRICE_COUNTS_RECENT: usd.optional(),
  X_PRICE_COUNTS_ALL: usd.optional(),
  /** What a search that returns nothing costs (X documents none; 0 by default). */
  X_PRICE_EMPTY_REQUEST: usd.optional(),
  /** Whether X bills the expanded authors of a page as user reads (undocumented; off by default, as x-sim). */
  X_BILL_EXPANDED_USERS: BoolEnv.default(false),
  /** How often (real time) X's own usage figures (GET /2/usage/tweets) are fetched: daily by default. */
  X_USAGE_INTERVAL_MS: z.coerce.number().int().min(50).default(86_400_000),
  /** Spend allowed per billing month (UTC calendar month), in USD; unset, no budget. */
  X_MONTHLY_BUDGET_USD: usd.optional(),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How long a graceful shutdown may take before the process is ended. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),

  // Capture (services/worker). Intervals are real milliseconds; windows are X time (x-sim's clock on x-sim).
  /** Prefix of every BullMQ key; tests give each worker process group its own. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, - or _ (no ":")')
    .default('tagpulse'),
  /** How often each query may be polled: the scheduler's tick (CAPTURE_MAX_DELAY_SECONDS decides which ticks poll). */
  POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(15_000),
  /**
   * Longest a post may wait, once X can return it, before it is stored (X time): each query is polled
   * from its posting rate within it; 0 polls every query at every POLL_INTERVAL_MS (no cost-aware cadence).
   */
  CAPTURE_MAX_DELAY_SECONDS: z.coerce.number().int().min(0).default(180),
  /** How far back before the cursor each poll re-reads, so posts X indexes late are still caught. */
  POLL_OVERLAP_SECONDS: z.coerce.number().int().min(0).default(180),
  /** Pages one poll job reads before it yields to other queries (the rest follows with the cursor). */
  POLL_MAX_PAGES_PER_JOB: z.coerce.number().int().min(1).default(20),
  /** Longest search query X accepts on the access tier (512 on self-serve tiers). */
  X_QUERY_MAX_LENGTH: z.coerce.number().int().min(30).default(512),
  /** Jobs one worker process runs at once, per queue. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).default(4),
  /** How often a worker re-reads the tracked hashtags (a CLI change also announces itself on Redis). */
  HASHTAG_SYNC_MS: z.coerce.number().int().min(50).default(30_000),
  /** How often due engagement look-ups run, and how many 100-id look-ups one run may spend. */
  REFRESH_INTERVAL_MS: z.coerce.number().int().min(50).default(60_000),
  REFRESH_BATCHES_PER_RUN: z.coerce.number().int().min(0).default(5),
  /** How often coverage (captured vs X's counts) is measured, over how many past hours. */
  COVERAGE_INTERVAL_MS: z.coerce.number().int().min(50).default(600_000),
  COVERAGE_HOURS: z.coerce.number().int().min(1).max(167).default(24),
  /** How often (real time) the roll-up outbox is drained, besides the nudge after each stored page. */
  ROLLUP_INTERVAL_MS: z.coerce.number().int().min(50).default(1_000),

  // Alerts (services/worker). See the README's "Alerts" section.
  /** How often (real time) every rule is evaluated, besides right after each roll-up. */
  ALERT_INTERVAL_MS: z.coerce.number().int().min(50).default(15_000),
  /** How long (X time) after its end a bucket's figure counts as final: posts reach search late. */
  ALERT_SETTLE_SECONDS: z.coerce.number().int().min(0).default(120),
  /** How long (X time) without a successful poll before capture counts as stalled. */
  ALERT_STALL_MINUTES: z.coerce.number().int().min(1).default(15),
  /** Channels of the default rule each tracked hashtag gets. */
  ALERT_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s):// URL' }).optional(),
  ALERT_EMAIL_TO: commaList(z.email({ error: 'expected comma-separated e-mail addresses' })),
  /** SMTP server of e-mail channels (smtp:// or smtps://, credentials in the URL). */
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'expected an smtp:// or smtps:// URL' }).optional(),
  /** Lets an `smtp://` URL with credentials log in without STARTTLS (a local relay); refused otherwise. */
  SMTP_ALLOW_INSECURE_AUTH: BoolEnv.default(false),
  ALERT_EMAIL_FROM: z.string().min(3).default('tagpulse <alerts@localhost>'),
  /**
   * Webhooks may reach loopback, private, link-local and metadata addresses only when allowed:
   * all of them (`WEBHOOK_ALLOW_PRIVATE`, for tests and single-host setups) or those of the
   * listed host names (`WEBHOOK_ALLOW_HOSTS`, e.g. an internal chat relay).
   */
  WEBHOOK_ALLOW_PRIVATE: BoolEnv.default(false),
  WEBHOOK_ALLOW_HOSTS: commaList(
    z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, 'expected comma-separated host names'),
  ),
  /** How often (real time) failed or interrupted deliveries are tried again when due; and one attempt's timeout. */
  DELIVERY_INTERVAL_MS: z.coerce.number().int().min(50).default(5_000),
  DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Base URL of the query API as people reach it, for the links in notices; default http://API_HOST:API_PORT. */
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s):// URL' }).optional(),

  // Query API (services/api).
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
  CORS_ORIGINS: commaList(z.url({ protocol: /^https?$/, error: 'expected comma-separated http(s) origins' })),
});

export type Env = z.infer<typeof envSchema>;

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

/** Parses {@link envSchema} from the process environment. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  return parseEnv(envSchema, source);
}
