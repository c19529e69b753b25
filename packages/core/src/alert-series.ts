import type { SeriesPoint } from './alert-machine.js';

const HOUR_MS = 3_600_000;

export interface SeriesHealth {
  /** Capture gaps touching the series' hashtags. */
  gaps: { start: Date; end: Date }[];
  /** Captured / X-counted posts per UTC hour (epoch ms of the hour); hours not measured are absent. */
  coverage: Map<number, number>;
  minCoverage: number;
}

/**
 * The zero-filled points of a series over [from, to) at `grainMs`, each
 * judged by capture health: a bucket overlapping a gap is `gap`; one in an
 * hour measured below `minCoverage` is `low_coverage`. An hour not measured
 * yet (the current one, always) counts as covered: absence of a measurement
 * is not evidence of loss, and the gaps catch outages.
 */
export function seriesPoints(
  { from, to, grainMs }: { from: number; to: number; grainMs: number },
  values: Map<number, number>,
  health: SeriesHealth,
): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  for (let t = Math.floor(from / grainMs) * grainMs; t < to; t += grainMs) {
    const end = t + grainMs;
    const gapped = health.gaps.some((g) => g.start.getTime() < end && g.end.getTime() > t);
    let low = false;
    for (let h = Math.floor(t / HOUR_MS) * HOUR_MS; h < end; h += HOUR_MS) {
      const ratio = health.coverage.get(h);
      if (ratio !== undefined && ratio < health.minCoverage) low = true;
    }
    points.push({ t, value: values.get(t) ?? 0, quality: gapped ? 'gap' : low ? 'low_coverage' : 'ok' });
  }
  return points;
}
