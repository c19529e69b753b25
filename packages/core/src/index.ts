export {
  bucketStart,
  bucketStarts,
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
export { type HashtagParse, hashtagKey, parseHashtag, SEED_HASHTAGS } from './hashtag.js';
export {
  DEFINITIONS_VERSION,
  engagementRate,
  isMetric,
  METRIC_DEFINITIONS,
  METRICS,
  type Metric,
  type MetricValues,
  metricValue,
  relativeChange,
  STORED_METRICS,
  type StoredMetric,
  storedMetricsFor,
  ZERO_METRICS,
} from './metrics.js';
export type { Author, MappedPage, Post, PostKind, PublicMetrics, RejectedPost } from './post.js';
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
  type SpikeDetector,
  type SpikeDetectorOptions,
  type SpikeDetectorState,
  type SpikeVerdict,
  thresholdFor,
} from './spike-detector.js';
