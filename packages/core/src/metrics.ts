/**
 * The series metrics of ARCHITECTURE.md. Bump {@link DEFINITIONS_VERSION}
 * whenever a definition changes: stored roll-ups computed with an older
 * version are recomputed from the posts.
 *
 * Two versions are in use at once, because what they count depends on what
 * search returned: since 2026-05-04 X's search index returns no reposts, so
 * version 2 counts reposts from the reposted posts' `retweet_count`; where
 * search did return reposts (X's legacy index) version 1 counts them as
 * captured. Each stored bucket says which one it follows.
 */
export const DEFINITIONS_VERSION = 2;
/** The definitions of buckets whose posts came from a search that returned reposts (X's legacy index). */
export const LEGACY_DEFINITIONS_VERSION = 1;
export const DEFINITIONS_VERSIONS = [LEGACY_DEFINITIONS_VERSION, DEFINITIONS_VERSION] as const;
export type DefinitionsVersion = (typeof DEFINITIONS_VERSIONS)[number];

/**
 * Which search index tagpulse's figures assume: `auto` observes it (a UTC day
 * whose stored posts include a repost was read from an index that returns
 * them), `2026` and `legacy` force it (`X_SEARCH_INDEX`).
 */
export const SEARCH_INDEX_MODES = ['auto', '2026', 'legacy'] as const;
export type SearchIndexMode = (typeof SEARCH_INDEX_MODES)[number];

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

const LEGACY_DEFINITIONS: Record<Metric, string> = {
  posts:
    'posts containing the hashtag whose created_at falls in the bucket (originals, replies, quotes and reposts); deleted posts excluded',
  originals: 'posts that reference no other post',
  replies: 'posts replying to another post',
  quotes: 'posts quoting another post',
  reposts: "reposts of a post carrying the hashtag, as search returned them, by the repost's created_at",
  unique_authors:
    "distinct authors in the bucket, reposters included (computed, never summed across buckets); over a period, exact: the union of its hours' author sets",
  potential_reach:
    'sum of followers_count of the distinct authors in the bucket, reposters included (latest observed); over a period, exact, each author once with the count of the newest bucket holding them',
  impressions: 'sum of impression_count of the posts, latest observed value',
  engagements: 'likes + reposts + replies + quotes + bookmarks of non-repost posts, latest observed',
  engagement_rate: 'engagements / impressions; null when impressions is 0',
};

export const METRIC_DEFINITIONS_BY_VERSION: Record<DefinitionsVersion, Record<Metric, string>> = {
  1: LEGACY_DEFINITIONS,
  2: {
    ...LEGACY_DEFINITIONS,
    posts:
      'posts containing the hashtag whose created_at falls in the bucket, as search returns them: originals, replies and quotes (no reposts); deleted posts excluded',
    reposts:
      "reposts of the bucket's posts: the sum of their retweet_count as last refreshed (at capture, then +1 h, +24 h, +7 d after posting), counted in the reposted post's bucket whenever the repost was made",
    unique_authors:
      "distinct authors of the bucket's posts; reposters cannot be seen (computed, never summed across buckets); over a period, exact: the union of its hours' author sets",
    potential_reach:
      'sum of followers_count of the distinct authors tagpulse can see (not the reposters; latest observed); over a period, exact, each author once with the count of the newest bucket holding them',
  },
};

/** The newest definitions. */
export const METRIC_DEFINITIONS = METRIC_DEFINITIONS_BY_VERSION[DEFINITIONS_VERSION];

/** What sets each version apart, in a line for the API, the dashboard and reports. */
export const DEFINITIONS_SUMMARY: Record<DefinitionsVersion, string> = {
  1: "reposts counted as search returned them (X's legacy search index)",
  2: "reposts from the posts' retweet_count, as refreshed (X's 2026 search index returns no reposts)",
};

/** The versions a period's buckets follow, ascending; an empty period follows the newest. */
export function periodDefinitions(versions: Iterable<number>): DefinitionsVersion[] {
  const known = new Set<number>(DEFINITIONS_VERSIONS);
  const used = [...new Set(versions)].filter((v): v is DefinitionsVersion => known.has(v));
  return used.length === 0 ? [DEFINITIONS_VERSION] : used.sort((a, b) => a - b);
}

/** One line saying which definitions a period uses: "Metric definitions v2: reposts from …". */
export function definitionsNote(versions: readonly DefinitionsVersion[]): string {
  const parts = versions.map((v) => `v${v}: ${DEFINITIONS_SUMMARY[v]}`);
  return `Metric definitions ${versions.length > 1 ? '(the period mixes both) ' : ''}${parts.join('; ')}`;
}

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
