import {
  ALL_NETWORKS,
  bucketStarts,
  formatInZone,
  type Grain,
  type MetricValues,
  missingMetrics,
  NETWORK_NAMES,
  NETWORKS,
  type Network,
  type NetworkFilter,
  type Period,
  partialMetrics,
  peakBucket,
  periodMetrics,
  postUrl,
  RATE_NETWORK,
  type ReportModel,
  STORED_METRICS,
  seriesGrain,
  ZERO_METRICS,
  zeroFill,
  zoneOffsetMs,
} from '@tagpulse/core';
import {
  coverageRepository,
  type Database,
  gapsRepository,
  hashtagsRepository,
  insightsRepository,
  reportsRepository,
  rollupDefinitions,
  rollupsRepository,
  spendLedger,
} from '@tagpulse/db';
import { rollupNetworkOf, type Scope, scopeOf } from '@tagpulse/usecases';
import type { Kysely } from 'kysely';
import { renderChartPng } from './chart.js';

type Db = Kysely<Database>;

export interface ReportRequest {
  /** Hashtag keys reported on together; empty for all tracked hashtags. */
  hashtags: readonly string[];
  tz: string;
  /** daily, weekly, monthly or a cron expression: said in the report, not used to compute it. */
  periodKind: string;
  period: Period;
  previous: Period;
  title?: string | undefined;
  /** When the report is built (the worker's clock). */
  now: Date;
}

export interface BuiltReport {
  model: ReportModel;
  chartPng: Buffer;
}

const TOP = 5;
const PERIOD_LABEL: Record<string, string> = { daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly' };

/** The scope the request names; throws when a hashtag is not one tagpulse has tracked. */
async function reportScope(db: Db, keys: readonly string[]): Promise<Scope> {
  const result = scopeOf(await hashtagsRepository.listHashtags(db), keys);
  if (!result.ok) throw new Error(`hashtag ${result.missing} is not tracked`);
  return result.scope;
}

/**
 * Totals of [from, to) in a network (all by default): the summary's sums of stored roll-ups, or
 * one bucket counted from a set's posts.
 */
async function totalsOf(
  db: Db,
  scope: Scope,
  period: Period,
  network: NetworkFilter = ALL_NETWORKS,
): Promise<MetricValues> {
  const rows = rollupNetworkOf(network);
  if (scope.stored) return insightsRepository.periodTotals(db, { ...scope, network: rows, ...period });
  const values = await rollupsRepository.scopeMetrics(db, {
    ...scope,
    network: rows,
    starts: [period.from],
    ends: [period.to],
  });
  return { ...ZERO_METRICS, ...values.get(period.from.getTime()) };
}

/**
 * The totals of all networks and a section per network with posts in either period, each the
 * summary's figures for that network (`/v1/summary?network=`): what a network does not publish is
 * null and named, never 0; over all networks the engagement rate is {@link RATE_NETWORK}'s.
 */
async function networkTotals(db: Db, scope: Scope, period: Period, previous: Period) {
  const [all, ...each] = await Promise.all(
    ([ALL_NETWORKS, ...NETWORKS] as const).map(async (network) => ({
      network,
      current: await totalsOf(db, scope, period, network),
      previous: await totalsOf(db, scope, previous, network),
    })),
  );
  const rate = each.find((n) => n.network === RATE_NETWORK);
  return {
    current: all!.current,
    totals: periodMetrics(ALL_NETWORKS, all!.current, all!.previous, rate),
    networks: each
      .filter((n) => n.current.posts > 0 || n.previous.posts > 0)
      .map((n) => ({
        network: n.network as Network,
        name: NETWORK_NAMES[n.network as Network],
        totals: periodMetrics(n.network, n.current, n.previous),
        missing: [...missingMetrics(n.network)],
      })),
  };
}

/** The top posts of each hashtag, merged: a set's top k are among its hashtags' top k. */
async function topPostsOf(db: Db, scope: Scope, period: Period) {
  const ranges = scope.stored
    ? [{ ...scope, ...period }]
    : scope.tags.map((tag) => ({ scope: tag, tags: [tag], ...period }));
  const lists = await Promise.all(
    ranges.map((r) => insightsRepository.topPosts(db, r, { by: 'engagements', limit: TOP })),
  );
  const unique = new Map(lists.flat().map((p) => [p.edit_root_id, p]));
  return [...unique.values()]
    .sort(
      (a, b) =>
        b.engagements - a.engagements ||
        b.created_at.getTime() - a.created_at.getTime() ||
        a.edit_root_id.localeCompare(b.edit_root_id),
    )
    .slice(0, TOP);
}

/** The series the chart and the CSV show: stored roll-ups where the zone has them, else computed the same way. */
async function seriesValues(
  db: Db,
  scope: Scope,
  grain: Grain,
  tz: string,
  period: Period,
): Promise<{ t: Date; value: MetricValues }[]> {
  const starts = bucketStarts(period.from, period.to, grain, tz);
  const values =
    scope.stored && (!rollupsRepository.needsZone(grain, tz) || (await rollupsRepository.zoneReady(db, tz)))
      ? await rollupsRepository.readSeries(db, { scope: scope.scope, grain, tz, ...period })
      : await rollupsRepository.computeSeries(db, { ...scope, grain, tz, starts });
  return zeroFill(starts, values, {}).map(({ t, value }) => ({ t, value: { ...ZERO_METRICS, ...value } }));
}

/**
 * Builds a report from the database: the same repositories, hence the same numbers, as the query
 * API (totals are /v1/summary's, top posts and authors /v1/top's). Only reads; storing and sending
 * are the caller's.
 */
export async function buildReport(db: Db, req: ReportRequest): Promise<BuiltReport> {
  const { tz, period, previous } = req;
  const scope = await reportScope(db, req.hashtags);
  const range = { scope: scope.scope, tags: scope.tags, ...period };
  const grain = seriesGrain(period);
  const show = (d: Date) => formatInZone(d, tz);

  const [figures, series, topPosts, topAuthors, cohashtags, languages, dataAsOf, definitions] =
    await Promise.all([
      networkTotals(db, scope, period, previous),
      seriesValues(db, scope, grain, tz, period),
      topPostsOf(db, scope, period),
      insightsRepository.topAuthors(db, range, { by: 'engagements', limit: TOP }),
      insightsRepository.cohashtags(db, range, { limit: 10 }),
      insightsRepository.languages(db, range),
      reportsRepository.dataAsOf(db, scope.tags),
      rollupDefinitions.periodDefinitionVersions(db, { scope: scope.scope, ...period }),
    ]);
  const peak = peakBucket(
    series.map((p) => ({ t: p.t, posts: p.value.posts })),
    period.to,
  );

  const tagSet = new Set(scope.tags);
  const gaps = (await gapsRepository.listGaps(db)).filter(
    (g) => g.start_at < period.to && g.end_at > period.from && g.tag_keys.some((t) => tagSet.has(t)),
  );
  const coverage = [];
  for (const tag of scope.tags) {
    const hours = await coverageRepository.listCoverage(db, { tagKey: tag, ...period });
    if (hours.length === 0) continue;
    const captured = hours.reduce((s, h) => s + h.captured, 0);
    const xCount = hours.reduce((s, h) => s + h.x_count, 0);
    coverage.push({
      hashtag: tag,
      hours: hours.length,
      captured,
      x_count: xCount,
      ratio: xCount === 0 ? null : captured / xCount,
    });
  }
  const spend = await spendLedger.spendBetween(db, period);
  const alerts = await reportsRepository.alertsFired(db, {
    series: scope.labels[0] === 'all' ? undefined : scope.tags,
    ...period,
  });

  const label = PERIOD_LABEL[req.periodKind] ?? 'Scheduled';
  const model: ReportModel = {
    definitions_version: Math.max(...definitions),
    definitions,
    title:
      req.title ??
      `${label} report: ${scope.labels[0] === 'all' ? 'all tracked hashtags' : scope.labels.map((l) => `#${l}`).join(' ')}`,
    hashtags: scope.labels,
    tz,
    period_kind: req.periodKind,
    period: { from: show(period.from), to: show(period.to) },
    previous_period: { from: show(previous.from), to: show(previous.to) },
    nothing_happened: figures.current.posts === 0,
    totals: figures.totals,
    partial_metrics: partialMetrics(ALL_NETWORKS),
    networks: figures.networks,
    series: {
      grain,
      points: series.map((p) => ({
        t: show(p.t),
        ...Object.fromEntries(STORED_METRICS.map((m) => [m, p.value[m]])),
      })) as ReportModel['series']['points'],
    },
    peak: peak ? { from: show(peak.from), to: show(peak.to), posts: peak.posts } : null,
    top_posts: topPosts.map((p) => ({
      id: p.id,
      created_at: show(p.created_at),
      author: p.author_username,
      text: p.text,
      engagements: p.engagements,
      impressions: p.impressions,
      url: postUrl(p.id, p.author_username),
    })),
    top_authors: topAuthors.map((a) => ({
      id: a.id,
      username: a.username,
      name: a.name,
      followers: a.followers,
      posts: a.posts,
      engagements: a.engagements,
    })),
    cohashtags: cohashtags.map((c) => ({ tag: c.tag_key, posts: c.posts })),
    languages,
    alerts: alerts.map((a) => ({
      series: a.series,
      kind: a.kind,
      status: a.status,
      started_at: show(a.started_at),
      fired_at: a.fired_at ? show(a.fired_at) : null,
      resolved_at: a.resolved_at ? show(a.resolved_at) : null,
      observed: a.observed,
      expected: a.expected,
    })),
    coverage,
    usage: {
      usd: Math.round(spend.totals.usd * 1e6) / 1e6,
      requests: spend.totals.requests,
      posts_billed: spend.totals.postsBilled,
      by_purpose: spend.byPurpose.map((p) => ({
        purpose: p.purpose,
        usd: Math.round(p.usd * 1e6) / 1e6,
        requests: p.requests,
      })),
      x_posts: spend.xPosts,
    },
    gaps: gaps.map((g) => ({
      from: show(g.start_at),
      to: show(g.end_at),
      cause: g.cause,
      detail: g.detail,
      hashtags: g.tag_keys,
    })),
    data_as_of: dataAsOf ? show(dataAsOf) : null,
    generated_at: show(req.now),
  };
  const chartPng = await renderChartPng(
    series.map((p) => ({ t: p.t, posts: p.value.posts })),
    {
      grain,
      offsetMs: (t) => zoneOffsetMs(t, tz),
      gaps: gaps.map((g) => ({
        from: new Date(Math.max(g.start_at.getTime(), period.from.getTime())),
        to: new Date(Math.min(g.end_at.getTime(), period.to.getTime())),
      })),
    },
  );
  return { model, chartPng };
}
