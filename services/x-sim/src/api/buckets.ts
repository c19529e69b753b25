export type Granularity = 'minute' | 'hour' | 'day';
export const GRANULARITIES: readonly Granularity[] = ['minute', 'hour', 'day'];
const UNIT_MS: Record<Granularity, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export interface Bucket {
  start: number;
  end: number;
}

/**
 * Buckets covering [startMs, endMs): the first starts at startMs, the rest on
 * UTC minute/hour/day boundaries, the last ends at endMs, as X's counts do.
 */
export function bucketsFor(startMs: number, endMs: number, granularity: Granularity): Bucket[] {
  const unit = UNIT_MS[granularity];
  const buckets: Bucket[] = [];
  for (let start = startMs; start < endMs; ) {
    const end = Math.min(endMs, (Math.floor(start / unit) + 1) * unit);
    buckets.push({ start, end });
    start = end;
  }
  return buckets;
}

/** Index in {@link bucketsFor}(startMs, …) of the bucket holding `ms` (ms ≥ startMs). */
export function bucketIndex(ms: number, startMs: number, granularity: Granularity): number {
  const unit = UNIT_MS[granularity];
  return Math.floor(ms / unit) - Math.floor(startMs / unit);
}
