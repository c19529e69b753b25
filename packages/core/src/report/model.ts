import type { DefinitionsVersion, Metric, StoredMetric } from '../metrics.js';
import type { Network } from '../network.js';

/**
 * Everything a report says, as plain JSON: built once from the database, stored with the report,
 * and rendered to HTML, CSV and JSON without another query, so the same period gives the same report.
 * Instants are ISO 8601 strings with the report zone's offset.
 */
export interface ReportModel {
  /** The newest metric definitions the numbers follow. */
  definitions_version: number;
  /**
   * Every definitions version the period's buckets follow (both where capture read some days
   * from a search that returned reposts); absent in reports built before version 2.
   */
  definitions?: DefinitionsVersion[];
  title: string;
  /** `all`, or the hashtags' display spellings. */
  hashtags: string[];
  tz: string;
  /** daily, weekly, monthly or the cron expression. */
  period_kind: string;
  period: { from: string; to: string };
  previous_period: { from: string; to: string };
  /** No post in the period: a schedule may skip sending such a report. */
  nothing_happened: boolean;
  /** Every network's figures together (their sum); the engagement rate is X's alone. */
  totals: ReportTotal[];
  /**
   * Over all networks, the metrics counted on some networks only (those listed); absent in reports
   * built before networks.
   */
  partial_metrics?: Partial<Record<Metric, readonly Network[]>>;
  /** A section per network with posts in either period; absent in reports built before networks. */
  networks?: ReportNetwork[];
  series: { grain: string; points: SeriesRow[] };
  peak: { from: string; to: string; posts: number } | null;
  top_posts: ReportPost[];
  top_authors: ReportAuthor[];
  cohashtags: { tag: string; posts: number }[];
  languages: { lang: string; posts: number }[];
  alerts: ReportAlert[];
  coverage: ReportCoverage[];
  gaps: { from: string; to: string; cause: string; detail: string | null; hashtags: string[] }[];
  /** What all of capture spent on X in the period (absent from reports built before it was kept). */
  usage?: ReportUsage;
  /** How far capture had reached when the report was built: null before its first successful poll. */
  data_as_of: string | null;
  generated_at: string;
}

export interface ReportTotal {
  metric: Metric;
  value: number | null;
  previous: number | null;
  change: number | null;
}

/** One network's figures: null for what it does not publish (`missing`), never 0. */
export interface ReportNetwork {
  network: Network;
  name: string;
  totals: ReportTotal[];
  missing: Metric[];
}

export type SeriesRow = { t: string } & Record<StoredMetric, number>;

export interface ReportPost {
  id: string;
  created_at: string;
  author: string | null;
  text: string;
  engagements: number;
  /** Null on a network that counts no views. */
  impressions: number | null;
  url: string;
}

export interface ReportAuthor {
  id: string;
  username: string | null;
  name: string | null;
  followers: number;
  posts: number;
  engagements: number;
}

export interface ReportAlert {
  series: string;
  kind: string;
  status: string;
  started_at: string;
  fired_at: string | null;
  resolved_at: string | null;
  observed: number | null;
  expected: number | null;
}

/** X spend of the period: every request capture made (all hashtags), from the spend ledger. */
export interface ReportUsage {
  usd: number;
  requests: number;
  posts_billed: number;
  by_purpose: { purpose: string; usd: number; requests: number }[];
  /** Posts X counted on the whole UTC days of the period (`GET /2/usage/tweets`); null when not fetched. */
  x_posts: number | null;
}

/** Captured posts against X's own counts, per hashtag over the period's measured hours. */
export interface ReportCoverage {
  hashtag: string;
  hours: number;
  captured: number;
  x_count: number;
  /** captured / x_count; null when X counted nothing. */
  ratio: number | null;
}
