import { backtestRule, GRAIN_MS, seriesPoints } from '@tagpulse/core';
import { alertRulesRepository, alertsRepository, type BackfillRow, rollupsRepository } from '@tagpulse/db';
import type { WorkerDeps } from '../deps.js';

/** History a rule's detector learns from before the back-filled span, as a live rule's does. */
const WARM_MS = 14 * 86_400_000;

/**
 * Replays every enabled rule watching the back-filled hashtags over the back-filled span, as
 * its backtest does, and records the spikes it finds as alerts of that back-fill: in the
 * alerts' history like live ones, never notified (no delivery is queued). Live evaluation
 * never pages for them either: buckets older than its freshness window only teach its
 * detector. Returns the episodes recorded.
 */
export async function recordHistoricalAlerts(deps: WorkerDeps, b: BackfillRow): Promise<number> {
  const { db } = deps;
  const rules = (await alertRulesRepository.listRules(db, { enabledOnly: true })).filter(
    (r) => r.scope === rollupsRepository.ALL_SCOPE || b.tagKeys.includes(r.scope),
  );
  let recorded = 0;
  for (const rule of rules) {
    const grainMs = GRAIN_MS[rule.grain];
    const tags = rule.scope === rollupsRepository.ALL_SCOPE ? b.tagKeys : [rule.scope];
    const warm = new Date(b.from.getTime() - WARM_MS);
    const range = { tags, from: warm, to: b.to };
    const [stored, gaps, coverage] = await Promise.all([
      rollupsRepository.readSeries(db, {
        scope: rule.scope,
        grain: rule.grain,
        tz: 'UTC',
        ...range,
        metrics: [rule.metric],
      }),
      alertsRepository.gapsOverlapping(db, range),
      alertsRepository.coverageByHour(db, range),
    ]);
    const values = new Map([...stored].map(([t, v]) => [t, v[rule.metric] ?? 0]));
    const points = seriesPoints({ from: warm.getTime(), to: b.to.getTime(), grainMs }, values, {
      gaps,
      coverage,
      minCoverage: rule.minCoverage,
    }).filter((p) => p.t + grainMs <= b.to.getTime());
    for (const ep of backtestRule(rule, rule.scope, points, { from: b.from, to: b.to })) {
      recorded += await alertsRepository.recordHistoricalEpisode(db, {
        ruleId: rule.id,
        series: rule.scope,
        backfillId: b.id,
        episode: ep,
      });
    }
  }
  return recorded;
}
