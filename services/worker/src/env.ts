import {
  apiAddressEnvShape,
  BoolEnv,
  commaListEnv,
  HttpUrlEnv,
  parseEnv,
  sharedEnvShape,
  UsdEnv,
} from '@tagpulse/runtime';
import { z } from 'zod';

/** The X access the worker captures through: who it is, what it asks in, what it pays. */
const xAccessEnvShape = {
  /** Absent means: no real X access; `start` runs on x-sim instead. */
  X_BEARER_TOKEN: z.string().min(20, 'expected an X bearer token (20 characters or more)').optional(),
  /** Absent means the real API; x-sim's base URL otherwise. */
  X_API_BASE_URL: HttpUrlEnv.optional(),
  /**
   * Where the worker reads X's now (`{ now, speed }`), set by whoever starts x-sim: its
   * `/__sim/clock`. Absent means the system clock, as against the real API.
   */
  X_CLOCK_URL: HttpUrlEnv.optional(),
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
  X_PRICE_POST_READ: UsdEnv.optional(),
  X_PRICE_USER_READ: UsdEnv.optional(),
  X_PRICE_COUNTS_RECENT: UsdEnv.optional(),
  X_PRICE_COUNTS_ALL: UsdEnv.optional(),
  /** What a search that returns nothing costs (X documents none; 0 by default). */
  X_PRICE_EMPTY_REQUEST: UsdEnv.optional(),
  /** Whether X bills the expanded authors of a page as user reads (undocumented; off by default, as x-sim). */
  X_BILL_EXPANDED_USERS: BoolEnv.default(false),
  /** How often (real time) X's own usage figures (GET /2/usage/tweets) are fetched: daily by default. */
  X_USAGE_INTERVAL_MS: z.coerce.number().int().min(50).default(86_400_000),
  /** Spend allowed per billing month (UTC calendar month), in USD; unset, no budget. */
  X_MONTHLY_BUDGET_USD: UsdEnv.optional(),
  /** Longest search query X accepts on the access tier (512 on self-serve tiers). */
  X_QUERY_MAX_LENGTH: z.coerce.number().int().min(30).default(512),
};

// Intervals are real milliseconds; windows are X time (x-sim's clock on x-sim).
const captureEnvShape = {
  /** How often each query may be polled: the scheduler's tick (CAPTURE_MAX_DELAY_SECONDS decides which ticks poll). */
  POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(15_000),
  /**
   * Longest a post may wait, once X can return it, before it is stored (X time): each query is polled
   * from its posting rate within it; 0 polls every query at every POLL_INTERVAL_MS (no cost-aware cadence).
   */
  CAPTURE_MAX_DELAY_SECONDS: z.coerce.number().int().min(0).default(180),
  /** How far back before the cursor each poll re-reads, so posts X indexes late are still caught. */
  POLL_OVERLAP_SECONDS: z.coerce.number().int().min(0).default(180),
  // Mastodon (issue 18).
  /** Mastodon instances whose hashtag timelines are read (comma-separated base URLs); empty: no Mastodon capture. */
  MASTODON_INSTANCES: commaListEnv(
    z.url({ protocol: /^https?$/, error: 'expected comma-separated http(s):// URLs' }),
  ),
  /** How far below its cursor each Mastodon poll re-reads: federated copies are dated by their creation, not arrival. */
  MASTODON_OVERLAP_SECONDS: z.coerce.number().int().min(0).default(300),
  /** How far back the first poll of an instance and hashtag reads. */
  MASTODON_FIRST_POLL_HOURS: z.coerce.number().int().min(0).default(168),
  /**
   * Statuses each refresh run reads again per instance, one request each: 30 a run at the default
   * REFRESH_INTERVAL_MS is 150 of an instance's 300 requests per 5 minutes, the rest left to polls.
   */
  MASTODON_LOOKUPS_PER_RUN: z.coerce.number().int().min(0).default(30),
  // Bluesky (issue 18): the Jetstream read live, searchPosts to catch up what it no longer replays.
  /** The Jetstream (`wss://jetstream2.us-east.bsky.network`, or the simulator's); absent: no Bluesky capture. */
  BLUESKY_JETSTREAM_URL: z.url({ protocol: /^wss?$/, error: 'expected a ws:// or wss:// URL' }).optional(),
  /** The XRPC service for searchPosts (with a session), getPosts and getProfiles. */
  BLUESKY_SERVICE_URL: HttpUrlEnv.default('https://bsky.social'),
  /** The account of the app password; both needed to catch up by search, else a gap is recorded. */
  BLUESKY_HANDLE: z.string().min(3).optional(),
  BLUESKY_APP_PASSWORD: z.string().min(1).optional(),
  /** How far back the Jetstream replays from a cursor (public instances keep about a day). */
  BLUESKY_REPLAY_WINDOW_SECONDS: z.coerce.number().int().min(60).default(86_400),
  /** Pages one poll job reads before it yields to other queries (the rest follows with the cursor). */
  POLL_MAX_PAGES_PER_JOB: z.coerce.number().int().min(1).default(20),
  /** Jobs one worker process runs at once, per queue. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).default(4),
  /**
   * How long (real time) a runnable job may wait while a queue's Worker has a free slot and takes
   * nothing, before that Worker is replaced: a healthy one takes it within a blocking pop.
   */
  WORKER_WATCHDOG_SECONDS: z.coerce.number().min(1).default(10),
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
};

// See the README's "Alerts" section.
const alertEnvShape = {
  /** How often (real time) every rule is evaluated, besides right after each roll-up. */
  ALERT_INTERVAL_MS: z.coerce.number().int().min(50).default(15_000),
  /** How long (X time) after its end a bucket's figure counts as final: posts reach search late. */
  ALERT_SETTLE_SECONDS: z.coerce.number().int().min(0).default(120),
  /** How long (X time) without a successful poll before capture counts as stalled. */
  ALERT_STALL_MINUTES: z.coerce.number().int().min(1).default(15),
  /** Channels of the default rule each tracked hashtag gets. */
  ALERT_WEBHOOK_URL: HttpUrlEnv.optional(),
  ALERT_EMAIL_TO: commaListEnv(z.email({ error: 'expected comma-separated e-mail addresses' })),
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
  WEBHOOK_ALLOW_HOSTS: commaListEnv(
    z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, 'expected comma-separated host names'),
  ),
  /** How often (real time) failed or interrupted deliveries are tried again when due; and one attempt's timeout. */
  DELIVERY_INTERVAL_MS: z.coerce.number().int().min(50).default(5_000),
  DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Base URL of the query API as people reach it, for the links in notices; default http://API_HOST:API_PORT. */
  PUBLIC_URL: HttpUrlEnv.optional(),
};

/** Every variable the capture worker reads. */
export const workerEnvSchema = z.object({
  ...sharedEnvShape,
  ...apiAddressEnvShape,
  ...xAccessEnvShape,
  ...captureEnvShape,
  ...alertEnvShape,
});

export type WorkerEnv = z.infer<typeof workerEnvSchema>;

/** Parses {@link workerEnvSchema} from the process environment. */
export function loadWorkerEnv(source: Record<string, string | undefined> = process.env): WorkerEnv {
  return parseEnv(workerEnvSchema, source);
}
