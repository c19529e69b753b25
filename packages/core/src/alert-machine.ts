import { expectedWindowAt, inQuietHours, silenceAt } from './alert-calendar.js';
import { type AlertRuleSpec, GRAIN_MS } from './alert-rule.js';
import { createSpikeDetector, type SpikeDetectorState, type SpikeVerdict } from './spike-detector.js';

/**
 * The alert state machine of one rule on one series, pure: the worker feeds it
 * the roll-ups and capture health it read, stores what it returns, and turns
 * its events into alert rows and notices; the backtest feeds it history.
 *
 *   normal ─anomalous─▶ pending ─lasts `pendingMinutes`─▶ firing ─`recoveryBuckets` calm─▶ resolved ─▶ normal
 *   any ─capture stalled─▶ no_data ─capture back─▶ normal
 *   not firing ─bucket with a gap or low coverage─▶ low_coverage ─good bucket─▶ normal
 *
 * A bucket with a capture gap or low coverage never fires, nor resolves a firing alert (its figure
 * is wrong, not calm), nor teaches the detector. A stalled capture is an episode of its own.
 */

export const ALERT_STATES = ['normal', 'pending', 'firing', 'resolved', 'no_data', 'low_coverage'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
export type BucketQuality = 'ok' | 'gap' | 'low_coverage';
export type NoticeKind = 'firing' | 'resolved' | 'repeat' | 'stalled' | 'recovered';

export interface FiringBucket {
  t: number;
  value: number;
  expected: number;
  lower: number;
  upper: number;
  score: number;
}

/** A spike from its first anomalous bucket to its resolution, or a capture stall. */
export interface Episode {
  kind: 'spike' | 'stalled';
  /** The first anomalous bucket's start, or when the stall was seen. */
  startedAt: number;
  firedAt: number | null;
  resolvedAt: number | null;
  bucket: FiringBucket | null;
  peak: number;
  /** The expected-event window the spike started in: annotated, never paged. */
  expectedEvent: string | null;
  /** Why the firing notice waits (quiet hours, a silence), while it waits. */
  muted: string | null;
  notified: boolean;
  lastNoticeAt: number | null;
  repeats: number;
}

export interface MachineState {
  state: AlertState;
  since: number;
  pendingSince: number | null;
  calm: number;
  spike: Episode | null;
  stall: Episode | null;
  /** Buckets ending before this only teach the detector: those read while capture was stalled. */
  trainUntil: number | null;
}

export type AlertEvent =
  | { type: 'transition'; from: AlertState; to: AlertState; at: number }
  | { type: 'fired'; episode: Episode }
  | { type: 'resolved'; episode: Episode }
  | { type: 'notice'; kind: NoticeKind; episode: Episode; at: number; seq: number };

/** One bucket of the watched series, zero-filled, with what capture knows of it. */
export interface SeriesPoint {
  t: number;
  value: number;
  quality: BucketQuality;
}

export interface EvaluationInput {
  rule: AlertRuleSpec;
  series: string;
  machine: MachineState | null;
  detector: SpikeDetectorState | null;
  /** Consecutive buckets from the first not yet settled into the machine up to the one holding `now`. */
  points: SeriesPoint[];
  now: number;
  /** How long after its end a bucket's figure is final (posts reach search late). */
  settleMs: number;
  /** True while capture has not succeeded for too long. */
  stalled: boolean;
  /**
   * Until when capture has stored every post of the series (the start of its last completed poll
   * cycle); null when it never completed one, undefined when not known. A bucket is final only
   * once stored up to its end, so a capture running late (an outage, a long 429) does not make a
   * spike look over and fire again when the late posts land.
   */
  capturedUntil?: number | null;
  /** Settled buckets ending before this only teach the detector: history is never paged about. */
  freshFrom: number;
}

export interface EvaluationResult {
  machine: MachineState;
  detector: SpikeDetectorState;
  /** The end of the last settled bucket: where the next evaluation starts. */
  settledUntil: number | null;
  events: AlertEvent[];
  /** The verdicts of this evaluation's fresh buckets, for the notice's chart. */
  verdicts: (SpikeVerdict & { t: number; value: number; settled: boolean })[];
}

export function initialMachine(now: number): MachineState {
  return {
    state: 'normal',
    since: now,
    pendingSince: null,
    calm: 0,
    spike: null,
    stall: null,
    trainUntil: null,
  };
}

function episode(kind: Episode['kind'], startedAt: number): Episode {
  return {
    kind,
    startedAt,
    firedAt: null,
    resolvedAt: null,
    bucket: null,
    peak: 0,
    expectedEvent: null,
    muted: null,
    notified: false,
    lastNoticeAt: null,
    repeats: 0,
  };
}

/** Why notices are held at `at`, or null. */
export function muteReason(rule: AlertRuleSpec, series: string, at: number): string | null {
  const instant = new Date(at);
  const silence = silenceAt(instant, rule.silences, series);
  if (silence) return `silenced until ${silence.to}${silence.reason ? `: ${silence.reason}` : ''}`;
  if (inQuietHours(instant, rule.quietHours, rule.tz)) return `quiet hours (${rule.tz})`;
  return null;
}

/** Runs the machine over the points; see {@link EvaluationInput}. */
export function evaluateSeries(input: EvaluationInput): EvaluationResult {
  const { rule, series, now } = input;
  const grainMs = GRAIN_MS[rule.grain];
  const options = { sensitivity: rule.sensitivity };
  const detector = createSpikeDetector(options, input.detector ?? undefined);
  const m: MachineState = structuredClone(input.machine ?? initialMachine(now));
  const events: AlertEvent[] = [];
  const verdicts: EvaluationResult['verdicts'] = [];
  let settledUntil: number | null = null;

  const setState = (to: AlertState, at: number) => {
    if (m.state === to) return;
    events.push({ type: 'transition', from: m.state, to, at });
    m.state = to;
    m.since = at;
  };
  const notice = (kind: NoticeKind, ep: Episode, at: number, seq = 0) =>
    events.push({ type: 'notice', kind, episode: structuredClone(ep), at, seq });

  // Held notices go out once nothing holds them; reminders while firing.
  const flush = (at: number) => {
    for (const ep of [m.spike, m.stall]) {
      if (!ep || ep.firedAt === null || ep.resolvedAt !== null || ep.expectedEvent !== null) continue;
      const first = ep.kind === 'spike' ? 'firing' : 'stalled';
      const muted = muteReason(rule, series, at);
      if (!ep.notified) {
        ep.muted = muted;
        if (muted) continue;
        ep.notified = true;
        ep.lastNoticeAt = at;
        notice(first, ep, at);
      } else if (
        rule.repeatMinutes !== null &&
        ep.lastNoticeAt !== null &&
        at - ep.lastNoticeAt >= rule.repeatMinutes * 60_000 &&
        !muted
      ) {
        ep.repeats += 1;
        ep.lastNoticeAt = at;
        notice('repeat', ep, at, ep.repeats);
      }
    }
  };

  const resolve = (ep: Episode, at: number, kind: NoticeKind) => {
    ep.resolvedAt = at;
    events.push({ type: 'resolved', episode: structuredClone(ep) });
    // One resolved notice per notified episode; an episode nobody was told about ends quietly.
    if (ep.notified) notice(kind, ep, at);
  };

  if (input.stalled) {
    if (!m.stall) {
      m.stall = episode('stalled', now);
      m.stall.firedAt = now;
      events.push({ type: 'fired', episode: structuredClone(m.stall) });
    }
    setState('no_data', now);
    flush(now);
    return { machine: m, detector: detector.state(), settledUntil, events, verdicts };
  }
  if (m.stall) {
    // What capture fetches on its return is history: the stall alert stood in for it.
    m.trainUntil = now;
    resolve(m.stall, now, 'recovered');
    m.stall = null;
    setState(m.spike?.firedAt != null ? 'firing' : 'normal', now);
  }

  const step = (p: SeriesPoint, verdict: SpikeVerdict | null, at: number, settled: boolean) => {
    if (!verdict || p.quality !== 'ok') {
      if (m.state !== 'firing' && settled) {
        m.pendingSince = null;
        m.spike = null;
        setState('low_coverage', at);
      }
      return;
    }
    const anomalous = verdict.anomalous && p.value >= rule.minVolume;
    if (anomalous) {
      m.calm = 0;
      if (m.state === 'firing' && m.spike) {
        m.spike.peak = Math.max(m.spike.peak, p.value);
        return;
      }
      if (m.state !== 'pending' || !m.spike || m.pendingSince === null) {
        m.pendingSince = p.t;
        m.spike = episode('spike', p.t);
        setState('pending', at);
      }
      const spike = m.spike;
      spike.peak = Math.max(spike.peak, p.value);
      if (at - m.pendingSince >= rule.pendingMinutes * 60_000) {
        spike.firedAt = at;
        spike.bucket = {
          t: p.t,
          value: p.value,
          expected: verdict.expected,
          lower: verdict.lower,
          upper: verdict.upper,
          score: verdict.score,
        };
        spike.expectedEvent =
          expectedWindowAt(new Date(spike.startedAt), rule.expectedWindows, rule.tz)?.name ?? null;
        setState('firing', at);
        events.push({ type: 'fired', episode: structuredClone(spike) });
      }
      return;
    }
    if (!settled) return;
    if (m.state === 'firing' && m.spike) {
      m.calm += 1;
      if (m.calm < rule.recoveryBuckets) return;
      resolve(m.spike, at, 'resolved');
      m.spike = null;
      m.calm = 0;
      setState('resolved', at);
      return;
    }
    m.pendingSince = null;
    m.spike = null;
    setState('normal', at);
  };

  const finalBy =
    input.capturedUntil === undefined ? now : Math.min(now, input.capturedUntil ?? Number.NEGATIVE_INFINITY);
  for (const p of input.points) {
    const end = p.t + grainMs;
    if (p.t > now) break;
    if (end + input.settleMs <= finalBy) {
      const verdict = p.quality === 'ok' ? detector.update(p.t, p.value) : null;
      settledUntil = end;
      if (end < input.freshFrom || end <= (m.trainUntil ?? 0)) continue;
      if (verdict) verdicts.push({ ...verdict, t: p.t, value: p.value, settled: true });
      step(p, verdict, end, true);
      flush(end);
    } else if (p.quality === 'ok' && end >= input.freshFrom) {
      // A bucket still filling holds at least what it shows: a spike there is real already, so it
      // may fire early; calm is only judged once the bucket is final. The detector does not learn it.
      // An old bucket not final yet is history being filled in (a late start, a back-read): no episode.
      const verdict = createSpikeDetector(options, detector.state()).update(p.t, p.value);
      verdicts.push({ ...verdict, t: p.t, value: p.value, settled: false });
      if (verdict.anomalous) step(p, verdict, now, false);
    }
  }
  flush(now);
  return { machine: m, detector: detector.state(), settledUntil, events, verdicts };
}
