import type { CoverageReading } from '@tagpulse/db';

const HOUR_MS = 3_600_000;

// X takes an end_time only when it is at least 10 s old.
const END_TIME_AGE_MS = 60_000;

/**
 * The whole hours to measure: the last `hours` before the current hour. The
 * current hour is left out, as posts still reach search with a delay; just
 * after the hour turns, the hour before is still the current one for X.
 */
export function coverageWindow(now: Date, hours: number): { from: Date; to: Date } {
  const to = Math.floor((now.getTime() - END_TIME_AGE_MS) / HOUR_MS) * HOUR_MS;
  return { from: new Date(to - hours * HOUR_MS), to: new Date(to) };
}

/** One reading per X count bucket, with what capture stored in the same hour. */
export function coverageReadings(
  tagKey: string,
  buckets: { start: Date; count: number }[],
  captured: Map<number, number>,
  measuredAt: Date,
): CoverageReading[] {
  return buckets.map((b) => ({
    tagKey,
    hourStart: b.start,
    captured: captured.get(b.start.getTime()) ?? 0,
    xCount: b.count,
    measuredAt,
  }));
}
