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

let sim: Sim;
beforeAll(async () => {
  sim = await startSim({ scenario: 'virtual-ct-week-2020', speed: 0, start: WEEK_END, port: 0 });
});
afterAll(() => sim.close());

/** x-sim's truth: every post of the week on the tag, per 5 minutes, as a perfect capture would store it. */
async function weekOf(tag: string): Promise<SeriesPoint[]> {
  const q = new URLSearchParams({
    hashtag: tag,
    granularity: 'minute',
    start_time: new Date(WEEK_START).toISOString(),
    end_time: new Date(WEEK_END).toISOString(),
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
  for (let t = WEEK_START; t < WEEK_END; t += FIVE_MINUTES)
    points.push({ t, value: buckets.get(t) ?? 0, quality: 'ok' });
  return points;
}

describe('the default rule on the virtual CT week', () => {
  it("fires once, on the closing session's spike, and nowhere else: not the quiet nights, not the daily sessions", async () => {
    const fired: { tag: string; at: string }[] = [];
    for (const tag of TAGS) {
      const episodes = backtestRule(DEFAULT_RULE, tag, await weekOf(tag), {
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
});
