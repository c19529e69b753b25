import {
  type AlertEvent,
  type Episode,
  evaluateSeries,
  GRAIN_MS,
  isCurrentSpikeState,
  type NoticeKind,
} from '@tagpulse/core';
import {
  type AlertRule,
  alertsRepository,
  deliveriesRepository,
  rollupOutbox,
  rollupsRepository,
} from '@tagpulse/db';
import { channelKey } from '@tagpulse/notify';
import { loadRuleSeries, rollupNetworkOf, type Scope } from '@tagpulse/usecases';
import type { WorkerDeps } from '../deps.js';
import { explainSpike, type SpikeDetails } from './explain.js';
import { renderNotice } from './render.js';

/** History a new rule's detector learns from: two weeks, so weekly seasonality can set in. */
const HISTORY_MS = 14 * 86_400_000;
/** Buckets settled longer ago than this when read only teach the detector (a worker back after a while, a new rule). */
const FRESH_MS = 30 * 60_000;

/**
 * Evaluates one rule on its series, in one transaction holding the series'
 * state row: reads the roll-ups since the last settled bucket and the capture
 * health, runs the state machine, records episodes and queues their notices
 * in the delivery ledger. A crash before commit leaves everything as it was;
 * after it, the next run starts where this one ended. Returns the deliveries queued.
 */
export async function evaluateRule(
  deps: WorkerDeps,
  rule: AlertRule,
  watched: Pick<Scope, 'label' | 'tags'>,
): Promise<number> {
  const { db, clock, alerts: settings } = deps;
  const grainMs = GRAIN_MS[rule.grain];
  const series = rule.scope;
  return db.transaction().execute(async (trx) => {
    const now = clock.now().getTime();
    const state = await alertsRepository.lockSeriesState(trx, rule.id, series, new Date(now));
    const evaluatedUntil = state.evaluatedUntil?.getTime() ?? null;
    // A detector saved by an earlier model would start afresh and stay silent through its warm-up:
    // it re-learns the rule's history instead, as a new rule does. The buckets the machine already
    // settled only teach it again (freshFrom past them): they were judged once.
    const relearn = state.detector !== null && !isCurrentSpikeState(state.detector);
    const from =
      evaluatedUntil === null || relearn
        ? Math.floor((now - HISTORY_MS) / grainMs) * grainMs
        : evaluatedUntil;
    const freshFrom = Math.max(now - FRESH_MS, relearn && evaluatedUntil !== null ? evaluatedUntil + 1 : 0);
    const to = now + 1;
    // Read before the series (each statement sees what was committed when it began): every post
    // stored before capture reached `capturedUntil` is then in the roll-ups read after, unless its
    // bucket still waits for its roll-up. A bucket settled on a figure not rolled up yet would
    // teach the detector, and be judged on, a count short of its posts.
    const health = await alertsRepository.captureHealth(trx, watched.tags, rule.network);
    const pending = await rollupOutbox.firstPendingBucket(trx, new Date(from));
    const { points, coverage } = await loadRuleSeries(trx, {
      rule,
      tags: watched.tags,
      from: new Date(from),
      to: new Date(to),
    });
    const stalled =
      health.queries > 0 &&
      health.oldestSuccess !== null &&
      now - health.oldestSuccess.getTime() > settings.stallMs;
    const result = evaluateSeries({
      rule,
      series,
      machine: state.machine,
      detector: relearn ? null : state.detector,
      points,
      now,
      settleMs: settings.settleMs,
      stalled,
      capturedUntil: finalUntil(
        health.queries === 0 ? undefined : (health.capturedUntil?.getTime() ?? null),
        pending?.getTime() ?? null,
      ),
      freshFrom,
    });

    let queued = 0;
    const explained = new Map<number, Partial<SpikeDetails>>();
    const record = async (ep: Episode) => {
      let details = explained.get(ep.startedAt);
      if (!details && ep.kind === 'spike' && ep.firedAt !== null && ep.resolvedAt === null) {
        const recent = await rollupsRepository.readSeries(trx, {
          scope: series,
          network: rollupNetworkOf(rule.network),
          grain: rule.grain,
          tz: 'UTC',
          from: new Date(ep.startedAt - 24 * grainMs),
          to: new Date(to),
          metrics: [rule.metric],
        });
        details = await explainSpike(trx, {
          rule,
          label: watched.label,
          tags: watched.tags,
          episode: ep,
          values: new Map([...recent].map(([t, v]) => [t, v[rule.metric] ?? 0])),
          coverage,
          now,
          publicUrl: settings.publicUrl,
        });
        explained.set(ep.startedAt, details);
      }
      return { id: await alertsRepository.upsertEpisode(trx, rule.id, series, ep, details ?? {}), details };
    };
    for (const event of result.events) {
      if (event.type === 'fired' || event.type === 'resolved') await record(event.episode);
      if (event.type === 'notice') queued += await queueNotice(trx, rule, watched, event, record);
    }
    await alertsRepository.saveSeriesState(trx, rule.id, series, {
      machine: result.machine,
      detector: result.detector,
      evaluatedUntil: result.settledUntil === null ? state.evaluatedUntil : new Date(result.settledUntil),
    });
    return queued;
  });
}

/**
 * Until when buckets may settle: capture's completeness (undefined: no query, so `now`; null:
 * nothing complete yet), cut at the first bucket still waiting for its roll-up.
 */
function finalUntil(
  captured: number | null | undefined,
  pendingFrom: number | null,
): number | null | undefined {
  if (pendingFrom === null || captured === null) return captured;
  return captured === undefined ? pendingFrom : Math.min(captured, pendingFrom);
}

async function queueNotice(
  trx: WorkerDeps['db'],
  rule: AlertRule,
  watched: Pick<Scope, 'label' | 'tags'>,
  event: Extract<AlertEvent, { type: 'notice' }>,
  record: (ep: Episode) => Promise<{ id: number; details: Partial<SpikeDetails> | undefined }>,
): Promise<number> {
  const { id, details } = await record(event.episode);
  const alert = await alertsRepository.getAlert(trx, id);
  // An acknowledged alert needs no reminders.
  if (event.kind === 'repeat' && alert?.acknowledged_at) return 0;
  const kind: NoticeKind = event.kind;
  const message = renderNotice({
    alertId: id,
    kind,
    at: event.at,
    rule,
    label: watched.label,
    episode: event.episode,
    details: details ?? ((alert?.details ?? {}) as Partial<SpikeDetails>),
  });
  return deliveriesRepository.enqueue(trx, {
    messageKey: `alert/${id}/${kind}${kind === 'repeat' ? `/${event.seq}` : ''}`,
    kind: `alert-${kind}`,
    alertId: id,
    message,
    channels: rule.channels.map((c) => ({ key: channelKey(c), channel: c })),
  });
}
