import { describe, expect, it } from 'vitest';
import { backtestRule } from './alert-backtest.js';
import {
  type AlertEvent,
  type EvaluationResult,
  evaluateSeries,
  type MachineState,
  type SeriesPoint,
} from './alert-machine.js';
import { type AlertRuleSpec, DEFAULT_RULE } from './alert-rule.js';
import { seriesPoints } from './alert-series.js';
import type { SpikeDetectorState } from './spike-detector.js';

const FIVE = 300_000;
const START = Date.parse('2024-03-01T00:00:00Z');
const SPIKE = Date.parse('2024-03-02T12:00:00Z');

/** One post a minute, 200 per 5 minutes during the spike's half hour. */
function flatWithSpike(
  until: number,
  spikeAt = SPIKE,
  quality: (t: number) => SeriesPoint['quality'] = () => 'ok',
) {
  const points: SeriesPoint[] = [];
  for (let t = START; t < until; t += FIVE) {
    const spiking = t >= spikeAt && t < spikeAt + 30 * 60_000;
    points.push({ t, value: spiking ? 205 : 5, quality: quality(t) });
  }
  return points;
}

/** Evaluates bucket by bucket, as the worker does after each roll-up, keeping the state between runs. */
function live(
  rule: AlertRuleSpec,
  points: SeriesPoint[],
  from: number,
  to: number,
  stalled: (now: number) => boolean = () => false,
) {
  let machine: MachineState | null = null;
  let detector: SpikeDetectorState | null = null;
  let next = 0;
  const events: AlertEvent[] = [];
  for (let now = from; now <= to; now += 60_000) {
    const r: EvaluationResult = evaluateSeries({
      rule,
      series: 'spiketag',
      machine,
      detector,
      points: points.slice(next).filter((p) => p.t <= now),
      now,
      settleMs: 60_000,
      stalled: stalled(now),
      freshFrom: from,
    });
    machine = r.machine;
    detector = r.detector;
    if (r.settledUntil !== null) next = points.findIndex((p) => p.t >= r.settledUntil!);
    if (next < 0) next = points.length;
    events.push(...r.events);
  }
  return { events, machine: machine! };
}

const notices = (events: AlertEvent[]) =>
  events.flatMap((e) => (e.type === 'notice' ? [{ kind: e.kind, at: new Date(e.at).toISOString() }] : []));

describe('the alert state machine', () => {
  const to = Date.parse('2024-03-02T14:00:00Z');
  const from = Date.parse('2024-03-02T11:00:00Z');

  it('fires once while the first spike bucket fills, and resolves once after two calm buckets', () => {
    const { events, machine } = live(DEFAULT_RULE, flatWithSpike(to), from, to);
    expect(notices(events)).toEqual([
      { kind: 'firing', at: '2024-03-02T12:00:00.000Z' },
      { kind: 'resolved', at: '2024-03-02T12:40:00.000Z' },
    ]);
    const states = events.flatMap((e) => (e.type === 'transition' ? [e.to] : []));
    expect(states).toEqual(['pending', 'firing', 'resolved', 'normal']);
    expect(machine.state).toBe('normal');
  });

  it('does not take a capture running late for the end of a spike, nor fire again when it catches up', () => {
    // Capture stalls from 12:10 to 12:22 (a long 429): nothing newer than 12:10 is stored meanwhile.
    const stuckFrom = SPIKE + 10 * 60_000;
    const caughtUp = SPIKE + 22 * 60_000;
    const horizon = (now: number) => (now >= stuckFrom && now < caughtUp ? stuckFrom : now);
    const truth = flatWithSpike(to);
    let machine: MachineState | null = null;
    let detector: SpikeDetectorState | null = null;
    let settled = 0;
    const events: AlertEvent[] = [];
    for (let now = from; now <= to; now += 60_000) {
      const stored = truth
        .filter((p) => p.t >= settled && p.t <= now)
        .map((p) => ({ ...p, value: p.t < horizon(now) ? p.value : 0 }));
      const r = evaluateSeries({
        rule: DEFAULT_RULE,
        series: 'spiketag',
        machine,
        detector,
        points: stored,
        now,
        settleMs: 60_000,
        stalled: false,
        capturedUntil: horizon(now),
        freshFrom: from,
      });
      ({ machine, detector } = r);
      if (r.settledUntil !== null) settled = r.settledUntil;
      events.push(...r.events);
    }
    expect(notices(events)).toEqual([
      // The bucket's first minute is stored a minute in.
      { kind: 'firing', at: '2024-03-02T12:01:00.000Z' },
      { kind: 'resolved', at: '2024-03-02T12:40:00.000Z' },
    ]);
  });

  it('waits out the pending duration before firing', () => {
    const rule = { ...DEFAULT_RULE, pendingMinutes: 10 };
    const { events } = live(rule, flatWithSpike(to), from, to);
    expect(notices(events)[0]).toEqual({ kind: 'firing', at: '2024-03-02T12:10:00.000Z' });
  });

  it('never fires on buckets with a capture gap or low coverage, nor learns from them', () => {
    for (const bad of ['gap', 'low_coverage'] as const) {
      const points = flatWithSpike(to, SPIKE, (t) =>
        t >= SPIKE - FIVE && t < SPIKE + 3_600_000 ? bad : 'ok',
      );
      const { events } = live(DEFAULT_RULE, points, from, to);
      expect(notices(events)).toEqual([]);
      expect(events.some((e) => e.type === 'transition' && e.to === 'low_coverage')).toBe(true);
    }
  });

  it('holds a firing alert through a gap instead of resolving it', () => {
    const points = flatWithSpike(to, SPIKE, (t) =>
      t >= SPIKE + 30 * 60_000 && t < SPIKE + 90 * 60_000 ? 'gap' : 'ok',
    );
    const { events } = live(DEFAULT_RULE, points, from, to);
    expect(notices(events)).toEqual([
      { kind: 'firing', at: '2024-03-02T12:00:00.000Z' },
      { kind: 'resolved', at: '2024-03-02T13:40:00.000Z' },
    ]);
  });

  it('holds the firing notice through quiet hours and sends it when they end, if still firing', () => {
    const rule = { ...DEFAULT_RULE, tz: 'Europe/Paris', quietHours: [{ start: '13:00', end: '13:15' }] };
    const { events } = live(rule, flatWithSpike(to), from, to);
    // 13:15 in Paris is 12:15Z; the spike lasts until 12:30Z.
    expect(notices(events)).toEqual([
      { kind: 'firing', at: '2024-03-02T12:15:00.000Z' },
      { kind: 'resolved', at: '2024-03-02T12:40:00.000Z' },
    ]);
  });

  it('tells nobody about a spike that ends inside quiet hours', () => {
    const rule = { ...DEFAULT_RULE, quietHours: [{ start: '11:30', end: '13:30' }] };
    const { events } = live(rule, flatWithSpike(to), from, to);
    expect(notices(events)).toEqual([]);
    expect(events.filter((e) => e.type === 'fired')).toHaveLength(1);
  });

  it('annotates a spike inside an expected-event window and pages nobody', () => {
    const rule = {
      ...DEFAULT_RULE,
      expectedWindows: [{ name: 'Opening session', start: '2024-03-02T11:45', end: '2024-03-02T12:45' }],
    };
    const { events } = live(rule, flatWithSpike(to), from, to);
    expect(notices(events)).toEqual([]);
    const fired = events.find((e) => e.type === 'fired');
    expect(fired?.type === 'fired' && fired.episode.expectedEvent).toBe('Opening session');
  });

  it('reminds at the repeat interval while firing', () => {
    const rule = { ...DEFAULT_RULE, repeatMinutes: 15 };
    const { events } = live(rule, flatWithSpike(to), from, to);
    expect(notices(events).map((n) => n.kind)).toEqual(['firing', 'repeat', 'repeat', 'resolved']);
  });

  it('raises one stalled and one recovered notice for a stalled capture, and no spike meanwhile', () => {
    const stalledFrom = Date.parse('2024-03-02T11:50:00Z');
    const stalledTo = Date.parse('2024-03-02T13:10:00Z');
    const { events } = live(
      DEFAULT_RULE,
      flatWithSpike(to),
      from,
      to,
      (now) => now >= stalledFrom && now < stalledTo,
    );
    expect(notices(events)).toEqual([
      { kind: 'stalled', at: '2024-03-02T11:50:00.000Z' },
      { kind: 'recovered', at: '2024-03-02T13:10:00.000Z' },
    ]);
  });

  it('never pages about history older than the fresh mark', () => {
    const { events } = live(DEFAULT_RULE, flatWithSpike(to), Date.parse('2024-03-02T13:30:00Z'), to);
    expect(notices(events)).toEqual([]);
  });

  it('records no episode for old buckets that are not final yet', () => {
    // A worker starting late reads back a day: the buckets before the spike are final and teach
    // the detector; from the spike on, they wait for their roll-up. The spike a day ago is history
    // being filled in, not a spike still filling.
    const now = Date.parse('2024-03-03T12:00:00Z');
    const r = evaluateSeries({
      rule: DEFAULT_RULE,
      series: 'spiketag',
      machine: null,
      detector: null,
      points: flatWithSpike(now),
      now,
      settleMs: 60_000,
      stalled: false,
      capturedUntil: SPIKE,
      freshFrom: now - 30 * 60_000,
    });
    expect(r.events.filter((e) => e.type !== 'transition')).toEqual([]);
    expect(r.machine.state).toBe('normal');
  });
});

describe('backtest', () => {
  it('lists when a rule would have fired, with the band, without notifying state', () => {
    const to = Date.parse('2024-03-03T00:00:00Z');
    const episodes = backtestRule(DEFAULT_RULE, 'spiketag', flatWithSpike(to), {
      from: new Date('2024-03-02T00:00:00Z'),
      to: new Date(to),
    });
    expect(episodes).toHaveLength(1);
    const [e] = episodes;
    expect(e?.startedAt.toISOString()).toBe('2024-03-02T12:00:00.000Z');
    // Settled buckets fire at their end.
    expect(e?.firedAt?.toISOString()).toBe('2024-03-02T12:05:00.000Z');
    expect(e?.resolvedAt?.toISOString()).toBe('2024-03-02T12:40:00.000Z');
    expect(e?.observed).toBe(205);
    expect(e!.expected!).toBeLessThan(10);
    expect(e!.upper!).toBeLessThan(205);
    expect(e?.notifiedAt?.toISOString()).toBe('2024-03-02T12:05:00.000Z');
  });

  it('matches a higher sensitivity firing at least as often', () => {
    const to = Date.parse('2024-03-03T00:00:00Z');
    const points = flatWithSpike(to).map((p) => ({ ...p, value: p.value === 205 ? 40 : p.value }));
    const range = { from: new Date('2024-03-02T00:00:00Z'), to: new Date(to) };
    const low = backtestRule({ ...DEFAULT_RULE, sensitivity: 1 }, 's', points, range);
    const high = backtestRule({ ...DEFAULT_RULE, sensitivity: 10 }, 's', points, range);
    expect(high.length).toBeGreaterThanOrEqual(low.length);
  });
});

describe('series points', () => {
  it('mark gap and low-coverage buckets, and count unmeasured hours as covered', () => {
    const from = Date.parse('2024-03-02T10:00:00Z');
    const points = seriesPoints(
      { from, to: from + 3 * 3_600_000, grainMs: 3_600_000 },
      new Map([[from, 7]]),
      {
        gaps: [{ start: new Date(from + 3_600_000 + 60_000), end: new Date(from + 3_600_000 + 120_000) }],
        coverage: new Map([
          [from, 0.95],
          [from + 2 * 3_600_000, 0.5],
        ]),
        minCoverage: 0.9,
      },
    );
    expect(points.map((p) => [p.value, p.quality])).toEqual([
      [7, 'ok'],
      [0, 'gap'],
      [0, 'low_coverage'],
    ]);
  });
});
