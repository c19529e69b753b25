import { METRICS, type Metric, type MetricValues, metricValue, relativeChange } from './metrics.js';

/**
 * The networks tagpulse captures. Each post and author belongs to one, and
 * their ids are told apart by their form, so no id of one network can be an
 * id of another (the schema checks it, see {@link networkOfId}): an X id is a
 * decimal snowflake, a Mastodon post or account its ActivityPub `uri`
 * (`https://…`: federated copies of one post share it), a Bluesky post its
 * `at://` URI and an account its DID. Hence the same person on two networks
 * is two authors, and the figures of all networks are the sums of each one's.
 */
export const NETWORKS = ['x', 'bluesky', 'mastodon'] as const;
export type Network = (typeof NETWORKS)[number];

/** Each network as people read it (notices, reports, the dashboard). */
export const NETWORK_NAMES: Record<Network, string> = { x: 'X', bluesky: 'Bluesky', mastodon: 'Mastodon' };

/** Every network together, as the API's `network=` spells it. */
export const ALL_NETWORKS = 'all';
export type NetworkFilter = Network | typeof ALL_NETWORKS;
export const NETWORK_FILTERS: readonly NetworkFilter[] = [ALL_NETWORKS, ...NETWORKS];

export function isNetworkFilter(value: string): value is NetworkFilter {
  return (NETWORK_FILTERS as readonly string[]).includes(value);
}

/** The network an id belongs to, by its form: the rule the schema's checks enforce on posts and authors. */
export function networkOfId(id: string): Network {
  if (/^https?:\/\//.test(id)) return 'mastodon';
  if (/^(at:\/\/|did:)/.test(id)) return 'bluesky';
  return 'x';
}

/** Where people read a post: X's status page, a Mastodon post's `uri`, Bluesky's app page of its at:// URI. */
export function postUrl(id: string, username: string | null): string {
  const network = networkOfId(id);
  if (network === 'mastodon') return id;
  if (network === 'bluesky') {
    return id.replace(/^at:\/\/([^/]+)\/app\.bsky\.feed\.post\//, 'https://bsky.app/profile/$1/post/');
  }
  return `https://x.com/${username ?? 'i'}/status/${id}`;
}

/**
 * The metrics a network does not publish: shown as `null` (absent), never 0.
 * Mastodon and Bluesky count no views, so neither impressions nor the
 * engagement rate (engagements per impression) exists there; Mastodon has no
 * quotes and shows no bookmark counts, Bluesky shows no bookmark counts.
 */
export const MISSING_METRICS: Record<Network, readonly Metric[]> = {
  x: [],
  bluesky: ['impressions', 'engagement_rate'],
  mastodon: ['impressions', 'engagement_rate', 'quotes'],
};

/** How each network's counts are read, for the API's meta and the README. */
export const NETWORK_DEFINITIONS: Record<Network, string> = {
  x: "X API v2 recent search: posts, their public_metrics (likes, reposts, replies, quotes, bookmarks, impressions) and their authors' followers_count",
  bluesky:
    "Bluesky app.bsky.feed.post records: likes, reposts, replies and quotes of the post view; the author's followersCount; no impressions, no bookmark counts",
  mastodon:
    "Mastodon hashtag timelines (GET /api/v1/timelines/tag/:hashtag) of the configured instances, one post per uri however many instances show it: favourites as likes, reblogs as reposts, replies; the account's followers_count at its home instance as seen; no impressions, quotes or bookmark counts",
};

/**
 * The network whose figures give the engagement rate over all networks: the
 * only one counting impressions, so engagements elsewhere (without views)
 * never inflate the rate.
 */
export const RATE_NETWORK: Network = 'x';

/**
 * A metric's value in a network filter's figures: null where the network
 * does not publish it. Over all networks, the engagement rate is
 * {@link RATE_NETWORK}'s, from `rateValues` (its figures).
 */
export function networkMetricValue(
  network: NetworkFilter,
  values: Partial<MetricValues>,
  metric: Metric,
  rateValues: Partial<MetricValues> = values,
): number | null {
  if (missingMetrics(network).includes(metric)) return null;
  return metric === 'engagement_rate' ? metricValue(rateValues, metric) : metricValue(values, metric);
}

/** The metrics missing from a network filter's figures; over all networks none is missing, some are partial. */
export function missingMetrics(network: NetworkFilter): readonly Metric[] {
  return network === ALL_NETWORKS ? [] : MISSING_METRICS[network];
}

/** Metrics that, over all networks, count only some networks (those that publish them). */
export function partialMetrics(network: NetworkFilter): Partial<Record<Metric, readonly Network[]>> {
  if (network !== ALL_NETWORKS) return {};
  const partial: Partial<Record<Metric, Network[]>> = {};
  for (const n of NETWORKS) {
    for (const m of MISSING_METRICS[n]) partial[m] = NETWORKS.filter((o) => !MISSING_METRICS[o].includes(m));
  }
  return partial;
}

/** A metric of a period beside the period before it; null values where the network does not publish it. */
export interface PeriodMetric {
  metric: Metric;
  value: number | null;
  previous: number | null;
  change: number | null;
}

/**
 * Every metric of a period and the one before it in a network filter's figures (the summary's and
 * a report's): `rate` holds {@link RATE_NETWORK}'s figures of both periods when the filter is all
 * networks, for the engagement rate.
 */
export function periodMetrics(
  network: NetworkFilter,
  current: Partial<MetricValues>,
  previous: Partial<MetricValues>,
  rate?: { current: Partial<MetricValues>; previous: Partial<MetricValues> },
): PeriodMetric[] {
  return METRICS.map((metric) => {
    const value = networkMetricValue(network, current, metric, rate?.current);
    const prev = networkMetricValue(network, previous, metric, rate?.previous);
    return { metric, value, previous: prev, change: relativeChange(value, prev) };
  });
}
