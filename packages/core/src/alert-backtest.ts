import { type AlertEvent, evaluateSeries, type SeriesPoint } from './alert-machine.js';
import type { AlertRuleSpec } from './alert-rule.js';

/** What a rule would have done about one spike. */
export interface BacktestEpisode {
  startedAt: Date;
  firedAt: Date | null;
  resolvedAt: Date | null;
  observed: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  peak: number;
  expectedEvent: string | null;
  /** When the firing notice would have gone out; null when held all along or annotated. */
  notifiedAt: Date | null;
}

/**
 * Replays a rule over stored buckets as if evaluated live, bucket by bucket,
 * without notifying: the buckets before `from` only teach the detector, as
 * history does for a new rule. `points` run up to `to`, all of them final.
 */
export function backtestRule(
  rule: AlertRuleSpec,
  series: string,
  points: SeriesPoint[],
  { from, to }: { from: Date; to: Date },
): BacktestEpisode[] {
  const { events } = evaluateSeries({
    rule,
    series,
    machine: null,
    detector: null,
    points,
    now: to.getTime(),
    settleMs: 0,
    stalled: false,
    freshFrom: from.getTime(),
  });
  return episodesOf(events);
}

function episodesOf(events: AlertEvent[]): BacktestEpisode[] {
  const byStart = new Map<number, BacktestEpisode>();
  for (const e of events) {
    if (e.type === 'transition' || e.episode.kind !== 'spike') continue;
    const ep = e.episode;
    const row = byStart.get(ep.startedAt) ?? {
      startedAt: new Date(ep.startedAt),
      firedAt: null,
      resolvedAt: null,
      observed: ep.bucket?.value ?? null,
      expected: ep.bucket?.expected ?? null,
      lower: ep.bucket?.lower ?? null,
      upper: ep.bucket?.upper ?? null,
      peak: ep.peak,
      expectedEvent: ep.expectedEvent,
      notifiedAt: null,
    };
    if (ep.firedAt !== null) row.firedAt = new Date(ep.firedAt);
    if (ep.resolvedAt !== null) row.resolvedAt = new Date(ep.resolvedAt);
    row.peak = Math.max(row.peak, ep.peak);
    if (e.type === 'notice' && e.kind === 'firing') row.notifiedAt = new Date(e.at);
    byStart.set(ep.startedAt, row);
  }
  return [...byStart.values()].filter((e) => e.firedAt !== null);
}
