/**
 * The series metrics of ARCHITECTURE.md. Bump {@link DEFINITIONS_VERSION}
 * whenever a definition changes: stored roll-ups computed with an older
 * version are recomputed from the posts.
 */
export const DEFINITIONS_VERSION = 1;

/** Metrics stored per bucket. */
export const STORED_METRICS = [
  'posts',
  'originals',
  'replies',
  'quotes',
  'reposts',
  'unique_authors',
  'potential_reach',
  'impressions',
  'engagements',
] as const;
export type StoredMetric = (typeof STORED_METRICS)[number];

/** Every metric a series can show: the stored ones and the ratio derived from them. */
export const METRICS = [...STORED_METRICS, 'engagement_rate'] as const;
export type Metric = (typeof METRICS)[number];

export const METRIC_DEFINITIONS: Record<Metric, string> = {
  posts:
    'posts containing the hashtag whose created_at falls in the bucket (originals, replies, quotes and reposts); deleted posts excluded',
  originals: 'posts that reference no other post',
  replies: 'posts replying to another post',
  quotes: 'posts quoting another post',
  reposts: 'reposts of another post',
  unique_authors:
    "distinct authors in the bucket (computed, never summed across buckets); over a period, exact: the union of its hours' author sets",
  potential_reach:
    'sum of followers_count of the distinct authors in the bucket (latest observed); over a period, exact, each author once with the count of the newest bucket holding them',
  impressions: 'sum of impression_count of the posts, latest observed value',
  engagements: 'likes + reposts + replies + quotes + bookmarks of non-repost posts, latest observed',
  engagement_rate: 'engagements / impressions; null when impressions is 0',
};

/** The error a period's distinct counts can have: none, they are exact unions of stored sets. */
export const DISTINCT_COUNTS_ERROR = 'exact' as const;

export type MetricValues = Record<StoredMetric, number>;

export const ZERO_METRICS: MetricValues = Object.freeze(
  Object.fromEntries(STORED_METRICS.map((m) => [m, 0])) as MetricValues,
);

export function isMetric(name: string): name is Metric {
  return (METRICS as readonly string[]).includes(name);
}

/** Engagements per impression; null when there were no impressions (a rate of nothing is undefined, not 0). */
export function engagementRate(engagements: number, impressions: number): number | null {
  return impressions === 0 ? null : engagements / impressions;
}

/** The stored metrics the given metrics are read from. */
export function storedMetricsFor(metrics: readonly Metric[]): StoredMetric[] {
  const stored = metrics.flatMap((m) =>
    m === 'engagement_rate' ? (['engagements', 'impressions'] as const) : [m],
  );
  return [...new Set(stored)];
}

/** The value of one metric from a bucket's stored values. */
export function metricValue(values: Partial<MetricValues>, metric: Metric): number | null {
  return metric === 'engagement_rate'
    ? engagementRate(values.engagements ?? 0, values.impressions ?? 0)
    : (values[metric] ?? 0);
}

/** Relative change from `previous` to `current`; null when `previous` is 0 or either is null. */
export function relativeChange(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return (current - previous) / previous;
}
