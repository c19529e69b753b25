import { backtestRule, DEFAULT_RULE, type SeriesPoint } from '@tagpulse/core';
import { type Sim, startSim } from '@tagpulse/x-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// services/x-sim/scenarios/virtual-ct-week-2020.yaml, in UTC.
const WEEK_START = Date.parse('2020-07-06T04:00:00Z');
const WEEK_END = Date.parse('2020-07-13T04:00:00Z');
/** The Secretary-General's closing remarks: the closing session's spike, on #UNiteToCounterTerrorism. */
const REMARKS = { start: Date.parse('2020-07-10T15:30:00Z'), end: Date.parse('2020-07-10T15:50:00Z') };
const TAGS = ['VirtualCTWeek', 'UNCCTExpo', 'UNiteToCounterTerrorism'];
const FIVE_MINUTES = 300_000;

// services/x-sim/scenarios/spike.yaml: three days, the spike from 12:00 to 12:30 on the second.
const SPIKE_DAYS = { start: Date.parse('2024-03-01T00:00:00Z'), end: Date.parse('2024-03-04T00:00:00Z') };

let week: Sim;
let spike: Sim;
beforeAll(async () => {
  week = await startSim({ scenario: 'virtual-ct-week-2020', speed: 0, start: WEEK_END, port: 0 });
  spike = await startSim({ scenario: 'spike', speed: 0, start: SPIKE_DAYS.end, port: 0 });
});
afterAll(() => Promise.all([week.close(), spike.close()]));

/** x-sim's truth: every post on the tag, per 5 minutes, as a perfect capture would store it. */
async function truthOf(sim: Sim, tag: string, from: number, to: number): Promise<SeriesPoint[]> {
  const q = new URLSearchParams({
    hashtag: tag,
    granularity: 'minute',
    start_time: new Date(from).toISOString(),
    end_time: new Date(to).toISOString(),
  });
  const res = await fetch(`${sim.url}/__sim/truth/counts?${q}`);
  expect(res.status).toBe(200);
  const { data } = (await res.json()) as { data: { start: string; post_count: number }[] };
  const buckets = new Map<number, number>();
  for (const m of data) {
    const t = Math.floor(Date.parse(m.start) / FIVE_MINUTES) * FIVE_MINUTES;
    buckets.set(t, (buckets.get(t) ?? 0) + m.post_count);
  }
  const points: SeriesPoint[] = [];
  for (let t = from; t < to; t += FIVE_MINUTES) points.push({ t, value: buckets.get(t) ?? 0, quality: 'ok' });
  return points;
}

describe('the default rule on the virtual CT week', () => {
  it("fires once, on the closing session's spike, and nowhere else: not the quiet nights, not the daily sessions", async () => {
    const fired: { tag: string; at: string }[] = [];
    for (const tag of TAGS) {
      const episodes = backtestRule(DEFAULT_RULE, tag, await truthOf(week, tag, WEEK_START, WEEK_END), {
        from: new Date(WEEK_START),
        to: new Date(WEEK_END),
      });
      for (const e of episodes) fired.push({ tag, at: e.firedAt?.toISOString() ?? '' });
    }
    expect(fired.map((f) => f.tag)).toEqual(['UNiteToCounterTerrorism']);
    const at = Date.parse(fired[0]?.at ?? '');
    expect(at).toBeGreaterThanOrEqual(REMARKS.start);
    expect(at).toBeLessThan(REMARKS.end);
  }, 120_000);

  it("fires once on the spike scenario's first spiking bucket and resolves after it", async () => {
    const points = await truthOf(spike, 'SpikeTag', SPIKE_DAYS.start, SPIKE_DAYS.end);
    const episodes = backtestRule(DEFAULT_RULE, 'spiketag', points, {
      from: new Date(SPIKE_DAYS.start),
      to: new Date(SPIKE_DAYS.end),
    });
    expect(episodes.map((e) => [e.startedAt.toISOString(), e.resolvedAt?.toISOString()])).toEqual([
      ['2024-03-02T12:00:00.000Z', '2024-03-02T12:40:00.000Z'],
    ]);
  }, 120_000);
});
