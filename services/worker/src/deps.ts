import type { BlueskyApi } from '@tagpulse/bluesky-client';
import type { Channel } from '@tagpulse/core';
import type { Database } from '@tagpulse/db';
import type { MastodonApi } from '@tagpulse/mastodon-client';
import type { Deliverer } from '@tagpulse/notify';
import type { Queues } from '@tagpulse/queue';
import type { Logger } from '@tagpulse/runtime';
import type { XApi, XPrices } from '@tagpulse/x-client';
import type { Kysely } from 'kysely';
import type { WorkerClock } from './clock.js';

export interface CaptureSettings {
  overlapMs: number;
  maxPagesPerJob: number;
  queryMaxLength: number;
  refreshBatchesPerRun: number;
  coverageHours: number;
  /** How often (in X time) a usage-capped or auth-failed query is tried again. */
  pausedProbeMs: number;
  /** What X bills, from configuration (X_ACCESS, X_PRICE_*). */
  prices: XPrices;
  /** X_MONTHLY_BUDGET_USD; a budget set at run time (API, CLI) wins. */
  monthlyBudgetUsd: number | undefined;
  /** Near the budget (X time): one poll per query at most this often, and coverage at most this often. */
  slowPollMs: number;
  sparseCoverageMs: number;
  /** CAPTURE_MAX_DELAY_SECONDS: longest a searchable post waits to be stored (X time); 0 polls at every tick. */
  maxDelayMs: number;
  /** The poll scheduler's tick (POLL_INTERVAL_MS) in X time. */
  pollTickMs: number;
  /** MASTODON_OVERLAP_SECONDS and MASTODON_FIRST_POLL_HOURS, in ms. */
  mastodonOverlapMs: number;
  mastodonFirstPollMs: number;
  /** MASTODON_LOOKUPS_PER_RUN: statuses read again per instance and refresh run (one request each). */
  mastodonLookupsPerRun: number;
}

export interface AlertSettings {
  /** X time after a bucket's end when its figure counts as final. */
  settleMs: number;
  /** X time without a successful poll after which capture counts as stalled. */
  stallMs: number;
  /** Channels of the default rule each tracked hashtag gets. */
  defaultChannels: Channel[];
  /** Base URL of the query API in notices' links. */
  publicUrl: string;
  /** How long a claimed delivery is held before another worker may retry it (beyond one attempt's timeout). */
  deliveryLeaseMs: number;
}

/** What every job handler may use; built once in main.ts. */
export interface WorkerDeps {
  db: Kysely<Database>;
  queues: Queues;
  x: XApi;
  /** One client per configured Mastodon instance (MASTODON_INSTANCES), by its base URL; none when off. */
  mastodon: ReadonlyMap<string, MastodonApi>;
  /** Bluesky's XRPC (BLUESKY_SERVICE_URL) for engagement look-ups; none without BLUESKY_JETSTREAM_URL. */
  bluesky?: BlueskyApi | undefined;
  clock: WorkerClock;
  log: Logger;
  settings: CaptureSettings;
  alerts: AlertSettings;
  deliverer: Deliverer;
}
