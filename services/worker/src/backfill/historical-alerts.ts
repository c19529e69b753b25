import { backtestRule, GRAIN_MS } from '@tagpulse/core';
import { alertRulesRepository, alertsRepository, type BackfillRow, rollupsRepository } from '@tagpulse/db';
import { loadRuleSeries } from '@tagpulse/usecases';
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
    const { points } = await loadRuleSeries(db, {
      rule,
      tags,
      from: new Date(b.from.getTime() - WARM_MS),
      to: b.to,
    });
    const final = points.filter((p) => p.t + grainMs <= b.to.getTime());
    for (const ep of backtestRule(rule, rule.scope, final, { from: b.from, to: b.to })) {
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
