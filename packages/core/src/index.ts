export { type BacktestEpisode, backtestRule } from './alert-backtest.js';
export {
  type ExpectedWindow,
  expectedWindowAt,
  inQuietHours,
  parseClock,
  parseLocalInstant,
  type QuietHours,
  type Silence,
  silenceAt,
  WEEKDAYS,
  type Weekday,
} from './alert-calendar.js';
export {
  ALERT_STATES,
  type AlertEvent,
  type AlertState,
  type BucketQuality,
  type Episode,
  type EvaluationInput,
  type EvaluationResult,
  evaluateSeries,
  type FiringBucket,
  initialMachine,
  type MachineState,
  muteReason,
  type NoticeKind,
  type SeriesPoint,
} from './alert-machine.js';
export {
  ALERT_GRAINS,
  type AlertGrain,
  type AlertRuleSpec,
  type Channel,
  DEFAULT_RULE,
  GRAIN_MS,
  PROFILE_SENSITIVITY,
} from './alert-rule.js';
export { type SeriesHealth, seriesPoints } from './alert-series.js';
export { encodeAuthorSet, unionAuthorSets } from './author-sets.js';
export {
  ARCHIVE_PAGE_SIZE,
  ARCHIVE_REQUEST_MS,
  type BackfillSpec,
  type BackfillSpecParse,
  backfillProgress,
  parseBackfillSpec,
} from './backfill.js';
export {
  bucketStart,
  bucketStarts,
  canonicalZone,
  distinctBucketStarts,
  formatInZone,
  GRAINS,
  type Grain,
  isTimeZone,
  maxBucketCount,
  nextBucketStart,
  previousPeriod,
  touchedBuckets,
  zeroFill,
} from './buckets.js';
export { type CsvCell, csvCell, toCsv } from './csv.js';
export { type HashtagParse, hashtagKey, parseHashtag, SEED_HASHTAGS } from './hashtag.js';
export {
  DEFINITIONS_SUMMARY,
  DEFINITIONS_VERSION,
  DEFINITIONS_VERSIONS,
  type DefinitionsVersion,
  DISTINCT_COUNTS_ERROR,
  definitionsNote,
  engagementRate,
  isMetric,
  LEGACY_DEFINITIONS_VERSION,
  METRIC_DEFINITIONS,
  METRIC_DEFINITIONS_BY_VERSION,
  METRICS,
  type Metric,
  type MetricValues,
  metricValue,
  periodDefinitions,
  relativeChange,
  SEARCH_INDEX_MODES,
  type SearchIndexMode,
  STORED_METRICS,
  type StoredMetric,
  storedMetricsFor,
  ZERO_METRICS,
} from './metrics.js';
export {
  ALL_NETWORKS,
  isNetworkFilter,
  MISSING_METRICS,
  missingMetrics,
  NETWORK_DEFINITIONS,
  NETWORK_FILTERS,
  NETWORK_NAMES,
  NETWORKS,
  type Network,
  type NetworkFilter,
  networkMetricValue,
  networkOfId,
  type PeriodMetric,
  partialMetrics,
  periodMetrics,
  postUrl,
  RATE_NETWORK,
} from './network.js';
export {
  type CadenceSettings,
  isPollDue,
  longestPollDelayMs,
  type PostingWindow,
  pollDelayMs,
  postingRate,
  RATE_WINDOWS_MS,
  TARGET_POSTS_PER_POLL,
} from './poll-cadence.js';
export type { Author, MappedPage, Post, PostKind, PublicMetrics, RejectedPost } from './post.js';
export * from './report/index.js';
export {
  type BucketSet,
  bucketRuns,
  bucketSetsBetween,
  bucketSetsOf,
  hoursMissing,
  wholeBuckets,
} from './rollup-plan.js';
export {
  compareIds,
  maxId,
  SNOWFLAKE_PATTERN,
  snowflakeAt,
  snowflakeTime,
  TWITTER_EPOCH_MS,
} from './snowflake.js';
export {
  createSpikeDetector,
  DEFAULT_SENSITIVITY,
  initialSpikeState,
  isCurrentSpikeState,
  type SpikeDetector,
  type SpikeDetectorOptions,
  type SpikeDetectorState,
  type SpikeVerdict,
  thresholdFor,
} from './spike-detector.js';
