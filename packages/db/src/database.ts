import type { ColumnType, Generated, GeneratedAlways, Selectable, Updateable } from 'kysely';

// Over 300 lines on purpose: one interface per table of the migrated schema and nothing else, in
// one file so that database.int.test.ts can read the whole `Database` with the compiler and hold
// it column by column against the schema the migrations build.
// Mirrors migrations/ exactly: a nullable column is `T | null`, never optional (kysely docs,
// "getting started / types"). bigint columns come back as numbers (see client.ts).
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Count = ColumnType<number, number | undefined, number>;

export interface HashtagsTable {
  tag_key: string;
  display: string;
  active: Generated<boolean>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

/** Where a post or author is from; a roll-up's `'*'` is every network together. */
export type Network = 'x' | 'bluesky' | 'mastodon';
export type RollupNetwork = Network | '*';

export interface AuthorsTable {
  id: string;
  network: ColumnType<Network, Network | undefined, Network>;
  username: string;
  name: string;
  followers_count: Count;
  following_count: Count;
  post_count: Count;
  listed_count: Count;
  verified: Generated<boolean>;
  verified_type: string | null;
  account_created_at: Timestamp | null;
  observed_at: Timestamp;
  first_seen_at: DefaultTimestamp;
}

export type PostKind = 'original' | 'reply' | 'quote' | 'repost';

export interface PostsTable {
  edit_root_id: string;
  network: ColumnType<Network, Network | undefined, Network>;
  id: string;
  author_id: string;
  created_at: Timestamp;
  text: string;
  lang: string | null;
  kind: PostKind;
  referenced_post_id: string | null;
  conversation_id: string | null;
  like_count: Count;
  repost_count: Count;
  reply_count: Count;
  quote_count: Count;
  bookmark_count: Count;
  /** Null where the network counts no views. */
  impression_count: ColumnType<number | null, number | null | undefined, number | null>;
  metrics_observed_at: Timestamp;
  first_seen_at: DefaultTimestamp;
  last_seen_at: DefaultTimestamp;
  deleted_at: Timestamp | null;
  refresh_stage: Count;
  refresh_due_at: Timestamp | null;
  raw: ColumnType<unknown, string, string>;
}

export interface PostHashtagsTable {
  tag_key: string;
  created_at: Timestamp;
  post_id: string;
  author_id: string;
}

export type CaptureStatus =
  | 'idle'
  | 'ok'
  | 'backfilling'
  | 'rate_limited'
  | 'usage_capped'
  | 'auth_failed'
  | 'error'
  | 'retired'
  | 'budget_paused';

export interface CaptureCursorsTable {
  query_key: string;
  network: ColumnType<Network, Network | undefined, Network>;
  query: string;
  tag_keys: string[];
  since_id: string | null;
  cycle_since_id: string | null;
  cycle_newest_id: string | null;
  cycle_until_id: string | null;
  cycle_started_at: Timestamp | null;
  version: Count;
  status: ColumnType<CaptureStatus, CaptureStatus | undefined, CaptureStatus>;
  last_poll_at: Timestamp | null;
  last_success_at: Timestamp | null;
  last_error: string | null;
  rate_limit_remaining: number | null;
  rate_limit_reset_at: Timestamp | null;
  posts_stored: Count;
  posts_rejected: Count;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export type GapCause =
  | 'rate_limited'
  | 'usage_cap'
  | 'api_error'
  | 'auth'
  | 'worker_down'
  | 'beyond_search_window'
  | 'budget'
  | 'beyond_replay_window';

export interface CaptureGapsTable {
  id: Generated<number>;
  /** The source that could not see the span. */
  network: ColumnType<Network, Network | undefined, never>;
  query_key: string;
  tag_keys: string[];
  start_at: Timestamp;
  end_at: Timestamp;
  cause: GapCause;
  detail: string | null;
  recorded_at: DefaultTimestamp;
  /** The back-fill that read this span from X's archive, and when it finished; null while open. */
  filled_by: string | null;
  filled_at: Timestamp | null;
}

export interface CaptureCoverageTable {
  tag_key: string;
  hour_start: Timestamp;
  captured: number;
  x_count: number;
  ratio: number | null;
  measured_at: Timestamp;
}

export type Grain = '5m' | '1h' | '1d' | '1w';

export interface RollupsTable {
  scope: string;
  network: ColumnType<RollupNetwork, RollupNetwork | undefined, RollupNetwork>;
  grain: Grain;
  tz: ColumnType<string, string | undefined, string>;
  bucket_start: Timestamp;
  posts: number;
  originals: number;
  replies: number;
  quotes: number;
  reposts: number;
  unique_authors: number;
  potential_reach: number;
  impressions: number;
  engagements: number;
  definitions_version: number;
  computed_at: DefaultTimestamp;
}

export type ApiKeyScope = 'read' | 'admin';

export interface ApiKeysTable {
  id: string;
  secret_hash: string;
  scope: ApiKeyScope;
  name: string | null;
  created_at: DefaultTimestamp;
  revoked_at: Timestamp | null;
}

/** A 5-minute bucket (UTC) whose roll-ups must be recomputed: the roll-up outbox. */
export interface RollupDirtyTable {
  bucket_start: Timestamp;
  marked_at: DefaultTimestamp;
}

export type TopPostsRanking = 'engagements' | 'impressions' | 'followers';

/** One of a UTC hour's top posts for a ranking and scope: the candidates of a period's top posts. */
export interface RollupTopPostsTable {
  scope: string;
  network: ColumnType<RollupNetwork, RollupNetwork | undefined, RollupNetwork>;
  ranking: TopPostsRanking;
  bucket_start: Timestamp;
  post_id: string;
  created_at: Timestamp;
  value: number;
}

export interface RollupZonesTable {
  tz: string;
  registered_at: DefaultTimestamp;
  ready_at: Timestamp | null;
  /** Back-fill tries so far; the next may start at `build_due_at` (a lease while one runs). */
  build_attempts: Generated<number>;
  build_due_at: DefaultTimestamp;
  build_error: string | null;
}

/** A dense number per author, given the first time a roll-up sees it: author sets are bitmaps. */
export interface AuthorNumbersTable {
  author_id: string;
  author_no: GeneratedAlways<number>;
}

/** A UTC hour's distinct authors per scope: big-endian (author_no, followers) uint32 pairs, by author_no. */
export interface RollupHourAuthorsTable {
  scope: string;
  network: ColumnType<RollupNetwork, RollupNetwork | undefined, RollupNetwork>;
  bucket_start: Timestamp;
  authors: Buffer;
  computed_at: Timestamp;
}

/**
 * A finished UTC day's distinct authors per scope, merged from its hour sets (same layout); valid
 * while its all-networks hours still count `hours` and sum their computed_at to `hours_stamp`.
 */
export interface RollupDayAuthorsTable {
  scope: string;
  network: RollupNetwork;
  day_start: Timestamp;
  authors: Buffer;
  hours: number;
  /** Microseconds since the epoch, summed: compared in SQL only (node reads int8 as a rounded number). */
  hours_stamp: number;
  computed_at: Timestamp;
}

type Json<T> = ColumnType<T, string, string>;

/** An alert rule; `scope` is a hashtag key or '*' (all tracked hashtags). Lists are jsonb. */
export interface AlertRulesTable {
  id: Generated<string>;
  name: string;
  scope: string;
  network: ColumnType<Network | 'all', Network | 'all' | undefined, Network | 'all'>;
  metric: string;
  grain: '5m' | '1h';
  sensitivity: number;
  min_volume: number;
  min_coverage: number;
  pending_minutes: number;
  recovery_buckets: number;
  repeat_minutes: number | null;
  tz: string;
  quiet_hours: Json<unknown[]>;
  silences: Json<unknown[]>;
  expected_windows: Json<unknown[]>;
  channels: Json<unknown[]>;
  enabled: Generated<boolean>;
  is_default: Generated<boolean>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface AlertSeriesStateTable {
  rule_id: string;
  series: string;
  state: string;
  state_since: Timestamp;
  evaluated_until: Timestamp | null;
  detector: Json<unknown> | null;
  machine: Json<unknown>;
  updated_at: DefaultTimestamp;
}

export interface AlertsTable {
  id: Generated<number>;
  rule_id: string;
  series: string;
  kind: 'spike' | 'stalled';
  status: 'pending' | 'firing' | 'resolved';
  started_at: Timestamp;
  fired_at: Timestamp | null;
  resolved_at: Timestamp | null;
  observed: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  score: number | null;
  peak: number | null;
  expected_event: string | null;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  details: Json<unknown>;
  created_at: DefaultTimestamp;
  /** Set on an episode found in back-filled history: recorded, never notified. */
  backfill_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed';

/** The delivery ledger: one message on one channel. */
export interface DeliveriesTable {
  id: Generated<number>;
  message_key: string;
  alert_id: number | null;
  kind: string;
  message: Json<unknown>;
  channel_key: string;
  channel: Json<unknown>;
  idempotency_key: string;
  status: DeliveryStatus;
  attempts: Count;
  next_attempt_at: DefaultTimestamp;
  lease_until: Timestamp | null;
  last_error: string | null;
  sent_at: Timestamp | null;
  created_at: DefaultTimestamp;
}

/** A report schedule; `hashtags` are tag keys (empty: all tracked hashtags). */
export interface ReportSchedulesTable {
  id: Generated<string>;
  name: string;
  hashtags: ColumnType<string[], string[] | undefined, string[]>;
  period: string;
  send_at: string | null;
  tz: string;
  recipients: ColumnType<string[], string[] | undefined, string[]>;
  webhooks: ColumnType<string[], string[] | undefined, string[]>;
  formats: ColumnType<string[], string[] | undefined, string[]>;
  channels: ColumnType<string[], string[] | undefined, string[]>;
  send_when_empty: Generated<boolean>;
  enabled: Generated<boolean>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  /** The latest period whose report could not be built, until it is: see `recordFailure`. */
  last_failure_period_start: Timestamp | null;
  last_failure_period_end: Timestamp | null;
  last_failure_error: string | null;
  last_failure_at: Timestamp | null;
}

/** A built report: its model (JSON) and chart (PNG); one per schedule and period. */
export interface ReportsTable {
  id: Generated<number>;
  schedule_id: string | null;
  period_start: Timestamp;
  period_end: Timestamp;
  tz: string;
  period_kind: string;
  hashtags: string[];
  fired_at: Timestamp | null;
  skipped_reason: string | null;
  model: ColumnType<unknown, string, string>;
  chart_png: Buffer;
  created_at: DefaultTimestamp;
}

/** Why an X request was made, as the spend ledger breaks spending down. */
export type SpendPurpose = 'poll' | 'overlap' | 'refresh' | 'coverage' | 'usage' | 'backfill';

/** The spend ledger: one X request that returned, what it billed, and why it was made. */
export interface XSpendTable {
  id: Generated<number>;
  at: Timestamp;
  endpoint: string;
  purpose: SpendPurpose;
  query_key: string | null;
  tag_keys: ColumnType<string[], string[] | undefined, string[]>;
  posts_returned: number;
  posts_billed: number;
  users_returned: number;
  users_billed: number;
  counts_requests: number;
  /** numeric: pg returns it as a string. */
  usd: ColumnType<string, string | number, string | number>;
}

/** A resource read on a UTC day: X bills it once that day. */
export interface XBilledReadsTable {
  day: ColumnType<Date, string, string>;
  kind: 'post' | 'user';
  resource_id: string;
}

/** X's own count of the posts read on a UTC day (`GET /2/usage/tweets`). */
export interface XUsageDaysTable {
  day: ColumnType<Date, string, string>;
  posts: Count;
  fetched_at: Timestamp;
}

export type BudgetStep = 'normal' | 'thin_refresh' | 'sparse_coverage' | 'slow_polling' | 'paused';

export interface CaptureBudgetTable {
  month: ColumnType<Date, string, string>;
  step: BudgetStep;
  spent_usd: ColumnType<string, string | number, string | number>;
  budget_usd: ColumnType<string, string | number, string | number>;
  /** When this month's spending reached the budget; null while it has not. */
  paused_at: Timestamp | null;
  updated_at: DefaultTimestamp;
}

export interface BudgetSettingTable {
  id: ColumnType<boolean, boolean | undefined, never>;
  monthly_usd: ColumnType<string | null, string | number | null, string | number | null>;
  updated_at: DefaultTimestamp;
}

/** Which search index the roll-ups assume; no row is `auto` (see core's `SearchIndexMode`). */
export interface SearchIndexSettingTable {
  id: ColumnType<boolean, boolean | undefined, never>;
  mode: 'auto' | '2026' | 'legacy';
  updated_at: DefaultTimestamp;
}

/** Where a Mastodon status (a post, by uri) is looked up: an instance's base URL and the status's local id there. */
export interface MastodonStatusLocationsTable {
  post_id: string;
  instance: string;
  local_id: string;
}

/** A look-up source (`x`, `bluesky`, `mastodon <instance URL>`) held until its rate window resets. */
export interface RefreshBackoffsTable {
  source: string;
  until: Timestamp;
}

export type BackfillStatus = 'estimating' | 'refused' | 'estimated' | 'running' | 'done' | 'failed';

/** A back-fill from X's full archive: its request, estimate, and search/all cursor (`next_token`, `version`). */
export interface BackfillsTable {
  id: Generated<string>;
  query: string;
  tag_keys: string[];
  from_at: Timestamp;
  to_at: Timestamp;
  max_usd: ColumnType<string | null, string | number | null, string | number | null>;
  estimate_only: ColumnType<boolean, boolean | undefined, boolean>;
  status: ColumnType<BackfillStatus, BackfillStatus | undefined, BackfillStatus>;
  estimated_posts: number | null;
  estimated_requests: number | null;
  estimated_usd: ColumnType<string | null, string | number | null, string | number | null>;
  estimated_seconds: number | null;
  counts_requests: Count;
  error: string | null;
  next_token: string | null;
  version: Count;
  pages: Count;
  posts_stored: Count;
  posts_rejected: Count;
  created_at: DefaultTimestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  updated_at: DefaultTimestamp;
}

export interface Database {
  hashtags: HashtagsTable;
  authors: AuthorsTable;
  posts: PostsTable;
  post_hashtags: PostHashtagsTable;
  capture_cursors: CaptureCursorsTable;
  capture_gaps: CaptureGapsTable;
  capture_coverage: CaptureCoverageTable;
  rollups: RollupsTable;
  api_keys: ApiKeysTable;
  rollup_zones: RollupZonesTable;
  author_numbers: AuthorNumbersTable;
  rollup_hour_authors: RollupHourAuthorsTable;
  rollup_day_authors: RollupDayAuthorsTable;
  rollup_dirty: RollupDirtyTable;
  rollup_top_posts: RollupTopPostsTable;
  alert_rules: AlertRulesTable;
  alert_series_state: AlertSeriesStateTable;
  alerts: AlertsTable;
  deliveries: DeliveriesTable;
  report_schedules: ReportSchedulesTable;
  reports: ReportsTable;
  x_spend: XSpendTable;
  backfills: BackfillsTable;
  x_billed_reads: XBilledReadsTable;
  x_usage_days: XUsageDaysTable;
  capture_budget: CaptureBudgetTable;
  budget_setting: BudgetSettingTable;
  search_index_setting: SearchIndexSettingTable;
  mastodon_status_locations: MastodonStatusLocationsTable;
  refresh_backoffs: RefreshBackoffsTable;
}

export type HashtagRow = Selectable<HashtagsTable>;
export type CaptureCursorRow = Selectable<CaptureCursorsTable>;
export type CaptureCursorUpdate = Updateable<CaptureCursorsTable>;
export type CaptureGapRow = Selectable<CaptureGapsTable>;
export type CaptureCoverageRow = Selectable<CaptureCoverageTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AlertRuleRow = Selectable<AlertRulesTable>;
export type AlertRow = Selectable<AlertsTable>;
export type DeliveryRow = Selectable<DeliveriesTable>;
export type ReportScheduleRow = Selectable<ReportSchedulesTable>;
export type ReportRow = Selectable<ReportsTable>;
