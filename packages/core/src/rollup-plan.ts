import { bucketStart, bucketStarts, distinctBucketStarts, type Grain, nextBucketStart } from './buckets.js';

/**
 * Which stored roll-up buckets a change touches: the pure half of the roll-up writes in
 * `packages/db` (its rollups repository explains what is stored, and why). 5-minute and hour
 * buckets are stored in UTC; hours of a zone whose hours are not UTC hours (Kolkata), days and
 * weeks per registered zone.
 */

/** Some buckets of one stored series (grain and zone). */
export interface BucketSet {
  grain: Grain;
  tz: string;
  starts: Date[];
}

/** True when a zone's hour bucket at `start` is a UTC hour, so the UTC row serves it. */
function utcAlignedHour(start: Date): boolean {
  return start.getTime() % 3_600_000 === 0;
}

/**
 * The buckets of every stored series that contain the given instants: the UTC 5-minute and hour
 * series (when `utc`), and each zone's own hours, days and weeks. Empty sets are left out.
 */
export function bucketSetsOf(instants: Date[], zones: string[], utc: boolean): BucketSet[] {
  const sets: BucketSet[] = [];
  if (utc) {
    sets.push({ grain: '5m', tz: 'UTC', starts: distinctBucketStarts(instants, '5m', 'UTC') });
    sets.push({ grain: '1h', tz: 'UTC', starts: distinctBucketStarts(instants, '1h', 'UTC') });
  }
  for (const tz of zones) {
    const hours = distinctBucketStarts(instants, '1h', tz).filter((s) => !utcAlignedHour(s));
    if (tz !== 'UTC' && hours.length > 0) sets.push({ grain: '1h', tz, starts: hours });
    sets.push({ grain: '1d', tz, starts: distinctBucketStarts(instants, '1d', tz) });
    sets.push({ grain: '1w', tz, starts: distinctBucketStarts(instants, '1w', tz) });
  }
  return sets.filter((s) => s.starts.length > 0);
}

/**
 * Every stored bucket between `first` and `last` (exclusive), series by series: the UTC 5-minute
 * and hour series (when `utc`), then each zone's hours (UTC has none of its own), days and weeks.
 * A zone's hours that are UTC hours are served by the UTC rows, so they are left out.
 */
export function bucketSetsBetween(first: Date, last: Date, zones: string[], utc: boolean): BucketSet[] {
  const series: { grain: Grain; tz: string }[] = [
    ...(utc ? (['5m', '1h'] as const).map((grain) => ({ grain, tz: 'UTC' })) : []),
    ...zones.flatMap((tz) =>
      (tz === 'UTC' ? (['1d', '1w'] as const) : (['1h', '1d', '1w'] as const)).map((grain) => ({
        grain,
        tz,
      })),
    ),
  ];
  return series.map(({ grain, tz }) => {
    const starts = bucketStarts(first, last, grain, tz);
    return {
      grain,
      tz,
      starts: grain === '1h' && tz !== 'UTC' ? starts.filter((s) => !utcAlignedHour(s)) : starts,
    };
  });
}

/**
 * Adjacent buckets merged into [lo, hi) runs, so posts are read by one time range per run;
 * `starts` ascending, `ends[i]` the end of `starts[i]`.
 */
export function bucketRuns(starts: Date[], ends: Date[]): { lo: Date; hi: Date }[] {
  const runs: { lo: Date; hi: Date }[] = [];
  starts.forEach((start, i) => {
    const last = runs.at(-1);
    const end = ends[i] as Date;
    if (last && last.hi.getTime() === start.getTime()) last.hi = end;
    else runs.push({ lo: start, hi: end });
  });
  return runs;
}

/**
 * The whole `grain` buckets (UTC) inside [from, to), and the slivers of [from, to) outside them:
 * a period's figures are read from the stored buckets of the one and the posts of the other.
 */
export function wholeBuckets(
  from: Date,
  to: Date,
  grain: '5m' | '1h',
): { whole: { from: Date; to: Date } | undefined; slivers: { from: Date; to: Date }[] } {
  const first = bucketStart(from, grain, 'UTC');
  const lo = first < from ? nextBucketStart(first, grain, 'UTC') : first;
  const hi = bucketStart(to, grain, 'UTC');
  if (lo >= hi) return { whole: undefined, slivers: [{ from, to }] };
  const slivers = [
    { from, to: lo },
    { from: hi, to },
  ].filter((r) => r.from < r.to);
  return { whole: { from: lo, to: hi }, slivers };
}

/** The hours of [from, to) not in `present` (ascending), merged into runs. */
export function hoursMissing(
  { from, to }: { from: Date; to: Date },
  present: Date[],
): { from: Date; to: Date }[] {
  const have = new Set(present.map((t) => t.getTime()));
  const runs: { from: Date; to: Date }[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += 3_600_000) {
    if (have.has(t)) continue;
    const last = runs.at(-1);
    if (last && last.to.getTime() === t) last.to = new Date(t + 3_600_000);
    else runs.push({ from: new Date(t), to: new Date(t + 3_600_000) });
  }
  return runs;
}
