import { cumulativeWeights } from '../random.js';
import type { Scenario } from '../scenario/scenario-schema.js';

export const SLICE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Hashtags a source of posts draws from: display spellings and running weight sums. */
export interface TagPool {
  tags: string[];
  cumulative: number[];
}

/** The sources of posts active in one slice and their expected posts per slice. */
export interface SliceRates {
  pools: TagPool[];
  cumulative: number[];
  total: number;
}

/**
 * Expected posts per one-minute slice: the baseline (a cosine daily cycle in
 * the scenario's time zone), plus the extra posts of each running event
 * (baseline × (multiplier − 1), on the event's hashtags), plus running spikes.
 */
export class RateModel {
  private readonly startMs: number;
  private readonly endMs: number;
  private readonly basePool: TagPool;
  private readonly events: { start: number; end: number; extra: number; pool: TagPool }[];
  private readonly spikes: { start: number; end: number; perSlice: number; pool: TagPool }[];
  private readonly offsets = new Map<number, number>();
  private readonly hourFormat: Intl.DateTimeFormat;

  constructor(private readonly scenario: Scenario) {
    this.startMs = Date.parse(scenario.window.start);
    this.endMs = Date.parse(scenario.window.end);
    this.basePool = tagPool(scenario.hashtags);
    this.events = scenario.events.map((e) => ({
      start: Date.parse(e.start),
      end: Date.parse(e.end),
      extra: e.multiplier - 1,
      pool: e.hashtags ? tagPool(e.hashtags) : this.basePool,
    }));
    this.spikes = scenario.spikes.map((s) => {
      const start = Date.parse(s.at);
      return {
        start,
        end: start + s.duration_minutes * SLICE_MS,
        perSlice: s.per_minute,
        pool: s.hashtags ? tagPool(s.hashtags) : this.basePool,
      };
    });
    this.hourFormat = new Intl.DateTimeFormat('en-US', {
      timeZone: scenario.timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
  }

  get windowStart(): number {
    return this.startMs;
  }

  get windowEnd(): number {
    return this.endMs;
  }

  ratesAt(sliceStartMs: number): SliceRates {
    if (sliceStartMs < this.startMs || sliceStartMs >= this.endMs)
      return { pools: [], cumulative: [], total: 0 };
    const mid = sliceStartMs + SLICE_MS / 2;
    const { per_hour, trough, peak_hour } = this.scenario.baseline;
    const hour = this.localHour(mid);
    const cycle = trough + ((1 - trough) * (1 + Math.cos((2 * Math.PI * (hour - peak_hour)) / 24))) / 2;
    const base = (per_hour / 60) * cycle;
    const pools: TagPool[] = [this.basePool];
    const rates: number[] = [base];
    for (const e of this.events) {
      if (mid >= e.start && mid < e.end) {
        pools.push(e.pool);
        rates.push(base * e.extra);
      }
    }
    for (const s of this.spikes) {
      if (mid >= s.start && mid < s.end) {
        pools.push(s.pool);
        rates.push(s.perSlice);
      }
    }
    const cumulative = cumulativeWeights(rates);
    return { pools, cumulative, total: cumulative[cumulative.length - 1] ?? 0 };
  }

  /** Local wall-clock hour (fractional) in the scenario's zone; offsets cached per UTC hour. */
  private localHour(ms: number): number {
    const hourIndex = Math.floor(ms / HOUR_MS);
    let offset = this.offsets.get(hourIndex);
    if (offset === undefined) {
      offset = this.zoneOffset(hourIndex * HOUR_MS);
      if (this.offsets.size > 10_000) this.offsets.clear();
      this.offsets.set(hourIndex, offset);
    }
    const local = (ms + offset) / HOUR_MS;
    return ((local % 24) + 24) % 24;
  }

  private zoneOffset(ms: number): number {
    const parts = Object.fromEntries(this.hourFormat.formatToParts(ms).map((p) => [p.type, p.value]));
    const asUtc = Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
    );
    return asUtc - ms;
  }
}

function tagPool(weights: { tag: string; weight: number }[]): TagPool {
  return { tags: weights.map((w) => w.tag), cumulative: cumulativeWeights(weights.map((w) => w.weight)) };
}
