import { describe, expect, it } from 'vitest';
import {
  createSpikeDetector,
  type SpikeDetectorOptions,
  type SpikeVerdict,
  thresholdFor,
} from './spike-detector.js';

const FIVE_MINUTES = 5 * 60_000;
const PER_DAY = 288;
const T0 = Date.UTC(2024, 0, 1);
const at = (i: number) => T0 + i * FIVE_MINUTES;

// Deterministic noise: a seeded LCG feeding a Poisson draw (Knuth), so every
// run sees the same "random" counts.
function poissonSeries(means: number[], seed = 7): number[] {
  let state = seed;
  const uniform = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return means.map((mean) => {
    const limit = Math.exp(-mean);
    let product = uniform();
    let count = 0;
    while (product > limit) {
      product *= uniform();
      count++;
    }
    return count;
  });
}

const flat = (n: number, mean: number) => new Array<number>(n).fill(mean);
// Busy afternoons, quiet nights: 20 to 120 posts per 5 minutes over the day.
const seasonal = (n: number) =>
  Array.from({ length: n }, (_, i) => 70 - 50 * Math.cos((2 * Math.PI * (i % PER_DAY)) / PER_DAY));

function run(values: number[], options: SpikeDetectorOptions = {}): SpikeVerdict[] {
  const detector = createSpikeDetector(options);
  return values.map((v, i) => detector.update(at(i), v));
}

const alertsOf = (verdicts: SpikeVerdict[]) => verdicts.flatMap((v, i) => (v.alert ? [i] : []));

describe('spike detector', () => {
  it('is causal: appending buckets never changes the verdicts on the prefix', () => {
    const prefix = poissonSeries(flat(3 * PER_DAY, 40));
    const calm = [...prefix, ...poissonSeries(flat(PER_DAY, 40), 11)];
    const burst = [...prefix, 900, 700, ...poissonSeries(flat(PER_DAY, 200), 13)];
    const a = run(calm).slice(0, prefix.length);
    const b = run(burst).slice(0, prefix.length);
    expect(b).toEqual(a);
    expect(run(prefix)).toEqual(a);
  });

  it('flags a spike on a flat series, and nothing else after warm-up', () => {
    const values = poissonSeries(flat(4 * PER_DAY, 50));
    const spikeAt = 3 * PER_DAY + 100;
    values[spikeAt] = 400;
    const verdicts = run(values);
    expect(alertsOf(verdicts).filter((i) => i >= PER_DAY)).toEqual([spikeAt]);
    const spike = verdicts[spikeAt];
    expect(spike?.expected).toBeGreaterThan(35);
    expect(spike?.expected).toBeLessThan(65);
    expect(spike?.upper).toBeLessThan(400);
  });

  it('learns the daily cycle: a daytime volume at night alerts, the daily peaks do not', () => {
    const values = poissonSeries(seasonal(10 * PER_DAY));
    const night = 9 * PER_DAY + 10; // near the daily trough of ~20
    values[night] = 250; // twelve times the night's volume, twice the afternoon peak
    const verdicts = run(values);
    expect(alertsOf(verdicts).filter((i) => i >= 4 * PER_DAY)).toEqual([night]);
    // The band follows the cycle: expected is far lower at night than at the peak.
    const peak = verdicts[9 * PER_DAY + PER_DAY / 2];
    expect(verdicts[night]?.expected).toBeLessThan(40);
    expect(peak?.expected).toBeGreaterThan(90);
  });

  it('lets a day that merely runs high pass while it stays below a typical daily peak', () => {
    const days = 10;
    const means = seasonal(days * PER_DAY);
    const start = 9 * PER_DAY; // midnight, the trough of ~20
    // Four hours at twice the usual night volume: well above the forecast for
    // hours, still below an ordinary afternoon (~120).
    for (let i = start; i < start + 48; i++) means[i] = 2 * (means[i] ?? 0);
    const verdicts = run(poissonSeries(means, 21));
    expect(alertsOf(verdicts).filter((i) => i >= 4 * PER_DAY)).toEqual([]);
    // It is well above the forecast for an hour or more, yet never anomalous.
    const surge = verdicts.slice(start, start + 48);
    expect(surge.filter((v) => v.score > 2).length).toBeGreaterThanOrEqual(12);
    expect(surge.some((v) => v.anomalous)).toBe(false);
  });

  it('loads a state saved before the hourly history existed', () => {
    const values = poissonSeries(flat(2 * PER_DAY, 40), 4);
    const first = createSpikeDetector();
    for (const [i, v] of values.entries()) first.update(at(i), v);
    const { hourly: _h, hour: _c, recent: _r, ...older } = first.state();
    const resumed = createSpikeDetector({}, older);
    expect(resumed.update(at(values.length), 600).alert).toBe(true);
    expect(resumed.state().hourly).toHaveLength(0);
  });

  it('alerts once on a level shift, then absorbs the new level into the baseline', () => {
    const before = poissonSeries(flat(3 * PER_DAY, 50));
    const after = poissonSeries(flat(3 * PER_DAY, 250), 3);
    const verdicts = run([...before, ...after]);
    const shiftAt = before.length;
    const alerts = alertsOf(verdicts).filter((i) => i >= PER_DAY);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toBeGreaterThanOrEqual(shiftAt);
    expect(alerts[0]).toBeLessThanOrEqual(shiftAt + 2);
    const anomalousAfter = verdicts.slice(shiftAt).filter((v) => v.anomalous).length;
    expect(anomalousAfter).toBeLessThanOrEqual(36); // three hours at most
    expect(verdicts.some((v) => v.levelShift)).toBe(true);
    const last = verdicts.at(-1);
    expect(last?.expected).toBeGreaterThan(200);
    expect(last?.expected).toBeLessThan(300);
  });

  it('fires on a near-empty event hashtag that suddenly bursts, thanks to the floor not the history', () => {
    const values = [...new Array<number>(60).fill(0), 0, 1, 0, 40];
    const verdicts = run(values);
    expect(alertsOf(verdicts)).toEqual([values.length - 1]);
    // After days of silence σ is tiny, so a 0 → 4 blip is many σ out; the
    // floor (5 posts above the forecast) is what keeps it quiet.
    const silence = new Array<number>(3 * PER_DAY).fill(0);
    const blip = run([...silence, 4], { sensitivity: 10 }).at(-1);
    expect(blip?.score).toBeGreaterThan(thresholdFor(10));
    expect(blip?.alert).toBe(false);
    expect(run([...silence, 4], { sensitivity: 10, floor: 0 }).at(-1)?.alert).toBe(true);
  });

  it('never alerts less at a higher sensitivity', () => {
    const values = poissonSeries(seasonal(8 * PER_DAY), 5);
    for (const [i, size] of [
      [3 * PER_DAY + 50, 3],
      [4 * PER_DAY + 200, 5],
      [5 * PER_DAY + 120, 8],
      [6 * PER_DAY + 30, 12],
      [7 * PER_DAY + 180, 20],
    ] as const)
      values[i] = Math.round((values[i] ?? 0) * size);
    const counts: number[] = [];
    let previous: SpikeVerdict[] | undefined;
    for (const sensitivity of [1, 3, 5, 7, 10]) {
      const verdicts = run(values, { sensitivity });
      // Counted after warm-up: on day one the daily cycle itself is still news.
      counts.push(alertsOf(verdicts).filter((i) => i >= 2 * PER_DAY).length);
      // Every bucket anomalous at a lower setting is anomalous at this one.
      for (const [i, v] of (previous ?? []).entries())
        if (v.anomalous) expect(verdicts[i]?.anomalous).toBe(true);
      previous = verdicts;
    }
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBeGreaterThan(counts[0] ?? 0);
  });

  it('restores from serialized state and gives the same verdicts as an unbroken run', () => {
    const values = poissonSeries(flat(4 * PER_DAY, 40), 9);
    const cut = 3 * PER_DAY;
    values[cut + 40] = 600;
    const whole = run(values);
    const first = createSpikeDetector();
    const head = values.slice(0, cut).map((v, i) => first.update(at(i), v));
    const saved = JSON.parse(JSON.stringify(first.state()));
    const second = createSpikeDetector({}, saved);
    const tail = values.slice(cut).map((v, i) => second.update(new Date(at(cut + i)), v));
    expect([...head, ...tail]).toEqual(whole);
    expect(alertsOf(tail)).toContain(40);
  });

  it('rejects a sensitivity outside 1..10', () => {
    expect(() => createSpikeDetector({ sensitivity: 0 })).toThrow(/sensitivity/);
    expect(() => createSpikeDetector({ sensitivity: 11 })).toThrow(/sensitivity/);
    expect(thresholdFor(10)).toBeLessThan(thresholdFor(1));
  });
});
