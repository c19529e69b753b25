import {
  ALL_NETWORKS,
  type AlertGrain,
  GRAIN_MS,
  type NetworkFilter,
  type SeriesPoint,
  type StoredMetric,
  seriesPoints,
} from '@tagpulse/core';
import {
  alertsRepository,
  type Database,
  type HashtagRow,
  type RollupNetwork,
  rollupsRepository,
} from '@tagpulse/db';
import type { Kysely } from 'kysely';
import { type Scope, scopeOf } from './scope.js';

const HOUR_MS = 3_600_000;

/**
 * The series a rule scope names among `hashtags`: `all` is the tracked ones (an untracked
 * hashtag's gaps and coverage say nothing of the all series), a hashtag is itself while listed.
 */
export function watchedSeries(scope: string, hashtags: readonly HashtagRow[]): Scope | undefined {
  const result = scopeOf(hashtags, scope === rollupsRepository.ALL_SCOPE ? [] : [scope]);
  return result.ok ? result.scope : undefined;
}

/** The roll-ups' name of a network filter: all networks are the `'*'` rows. */
export function rollupNetworkOf(network: NetworkFilter): RollupNetwork {
  return network === ALL_NETWORKS ? rollupsRepository.ALL_NETWORKS_ROW : network;
}

export interface RuleSeriesRequest {
  rule: {
    scope: string;
    network: NetworkFilter;
    grain: AlertGrain;
    metric: StoredMetric;
    minCoverage: number;
  };
  tags: string[];
  from: Date;
  to: Date;
}

/**
 * A rule's points over [from, to), as both alert evaluation and the backtest judge them: the
 * stored roll-ups zero-filled, each bucket marked by the capture gaps it overlaps and the
 * coverage of its hours (per UTC hour: the hour holding `from` began before it), in the rule's
 * network. Gaps are the rule's network's (all networks: every gap); coverage is X's (only X
 * publishes counts), so it marks a series holding X's posts, never another network's alone.
 */
export async function loadRuleSeries(
  db: Kysely<Database>,
  { rule, tags, from, to }: RuleSeriesRequest,
): Promise<{ points: SeriesPoint[]; coverage: Map<number, number> }> {
  const grainMs = GRAIN_MS[rule.grain];
  // Whole buckets from the one holding `from`, and every hour they touch.
  const start = new Date(Math.floor(from.getTime() / grainMs) * grainMs);
  const range = { tags, from: start, to };
  const holdsX = rule.network === ALL_NETWORKS || rule.network === 'x';
  const [stored, gaps, coverage] = await Promise.all([
    rollupsRepository.readSeries(db, {
      scope: rule.scope,
      network: rollupNetworkOf(rule.network),
      grain: rule.grain,
      tz: 'UTC',
      ...range,
      metrics: [rule.metric],
    }),
    // A gap of one network's capture says nothing of another's series; all networks heed every gap.
    alertsRepository.gapsOverlapping(db, {
      ...range,
      network: rule.network === ALL_NETWORKS ? undefined : rule.network,
    }),
    holdsX
      ? alertsRepository.coverageByHour(db, {
          ...range,
          from: new Date(Math.floor(start.getTime() / HOUR_MS) * HOUR_MS),
        })
      : new Map<number, number>(),
  ]);
  const values = new Map([...stored].map(([t, v]) => [t, v[rule.metric] ?? 0]));
  return {
    points: seriesPoints({ from: from.getTime(), to: to.getTime(), grainMs }, values, {
      gaps,
      coverage,
      minCoverage: rule.minCoverage,
    }),
    coverage,
  };
}
