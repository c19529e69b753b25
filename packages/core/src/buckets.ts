import { DateTime, IANAZone } from 'luxon';

/** Series grains. 5-minute buckets are the same in every zone in use today (offsets are multiples of 15 minutes). */
export const GRAINS = ['5m', '1h', '1d', '1w'] as const;
export type Grain = (typeof GRAINS)[number];

const FIXED_MS: Partial<Record<Grain, number>> = { '5m': 5 * 60_000 };
const UNIT = { '1d': 'day', '1w': 'week' } as const;

// The zones whose current IANA name differs from the ID the runtime's ICU keeps (CLDR never
// renames an ID): ICU resolves either spelling to the left one, the API answers in the right one.
const IANA_NAME_OF_ICU_ID: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

// Canonical names by lower-cased spelling. Keyed by the lower case, so the map holds at most
// one entry per zone name the runtime knows (a few hundred), whatever spellings clients send;
// checking a name builds an Intl formatter (about a tenth of a millisecond, on every request).
const canonicalByLowerName = new Map<string, string>([['utc', 'UTC']]);

/**
 * The canonical IANA name of a zone given in any letter case or by an alias
 * (`aSiA/kOlKaTa`, `Asia/Calcutta` → `Asia/Kolkata`; `Etc/UTC`, `GMT` → `UTC`),
 * or undefined for anything else (offsets such as `+05:30` are refused). Every
 * zone parameter goes through it first: two spellings of one zone are one zone.
 */
export function canonicalZone(name: string): string | undefined {
  if (name.length > 64) return undefined;
  const lower = name.toLowerCase();
  const known = canonicalByLowerName.get(lower);
  if (known !== undefined) return known;
  if (!/^[a-z][a-z0-9_+\-/]*$/.test(lower)) return undefined;
  let icuId: string;
  try {
    icuId = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  const canonical = IANA_NAME_OF_ICU_ID[icuId] ?? icuId;
  if (!IANAZone.isValidZone(canonical)) return undefined;
  canonicalByLowerName.set(lower, canonical);
  return canonical;
}

/** True for a zone name {@link canonicalZone} accepts. */
export function isTimeZone(name: string): boolean {
  return canonicalZone(name) !== undefined;
}

function offsetMinutes(instant: Date, tz: string): number {
  if (tz === 'UTC') return 0;
  const offset = IANAZone.create(tz).offset(instant.getTime());
  if (Number.isNaN(offset)) throw new RangeError(`unknown time zone: ${tz}`);
  return offset;
}

function zoned(instant: Date, tz: string): DateTime {
  const dt = DateTime.fromMillis(instant.getTime(), { zone: tz });
  if (!dt.isValid) throw new RangeError(`unknown time zone: ${tz}`);
  return dt;
}

/**
 * The start of the bucket holding `instant`, in `tz`. Hours, days and weeks
 * follow the zone's wall clock (a New York day is 23 or 25 hours on DST change
 * days, a Kolkata hour starts at :30 UTC); weeks start on Monday (ISO 8601).
 */
export function bucketStart(instant: Date, grain: Grain, tz: string): Date {
  const fixed = FIXED_MS[grain];
  if (fixed !== undefined) return new Date(Math.floor(instant.getTime() / fixed) * fixed);
  // The local hour starts where the local clock last showed a whole hour: arithmetic on the
  // instant's offset (hot: a 90-day series has 2 160 hours) that also keeps the two 01:00 hours
  // of a fall-back night apart, where a wall-clock time is ambiguous.
  if (grain === '1h') {
    const offsetMs = offsetMinutes(instant, tz) * 60_000;
    return new Date(Math.floor((instant.getTime() + offsetMs) / 3_600_000) * 3_600_000 - offsetMs);
  }
  return zoned(instant, tz)
    .startOf(UNIT[grain as '1d' | '1w'])
    .toJSDate();
}

/** The start of the bucket after the one starting at `start`. */
export function nextBucketStart(start: Date, grain: Grain, tz: string): Date {
  const fixed = FIXED_MS[grain];
  if (fixed !== undefined) return new Date(start.getTime() + fixed);
  if (grain === '1h') return bucketStart(new Date(start.getTime() + 3_600_000), grain, tz);
  // Calendar arithmetic: the next day across a DST change is 23 or 25 hours away.
  const unit = UNIT[grain as '1d' | '1w'];
  return zoned(start, tz)
    .plus({ [`${unit}s`]: 1 })
    .startOf(unit)
    .toJSDate();
}

/** Upper bound on the number of buckets of `grain` in [from, to), without listing them. */
export function maxBucketCount(from: Date, to: Date, grain: Grain): number {
  const shortest = { '5m': 5 * 60_000, '1h': 30 * 60_000, '1d': 23 * 3_600_000, '1w': 167 * 3_600_000 }[
    grain
  ];
  return Math.ceil(Math.max(0, to.getTime() - from.getTime()) / shortest) + 1;
}

/** The starts of every bucket that overlaps [from, to), in order: the x axis of a zero-filled series. */
export function bucketStarts(from: Date, to: Date, grain: Grain, tz: string): Date[] {
  const starts: Date[] = [];
  for (let t = bucketStart(from, grain, tz); t < to; t = nextBucketStart(t, grain, tz)) starts.push(t);
  return starts;
}

/** Pairs each series point with the values found for it; buckets without a value get `zero`. */
export function zeroFill<T>(starts: Date[], values: Map<number, T>, zero: T): { t: Date; value: T }[] {
  return starts.map((t) => ({ t, value: values.get(t.getTime()) ?? zero }));
}

/** The period of the same length just before [from, to). */
export function previousPeriod(from: Date, to: Date): { from: Date; to: Date } {
  const length = to.getTime() - from.getTime();
  return { from: new Date(from.getTime() - length), to: new Date(from.getTime()) };
}

/** The distinct starts of the buckets the instants fall in, ascending. */
export function distinctBucketStarts(instants: Date[], grain: Grain, tz: string): Date[] {
  const starts = new Set(instants.map((i) => bucketStart(i, grain, tz).getTime()));
  return [...starts].sort((a, b) => a - b).map((ms) => new Date(ms));
}

/**
 * The 5-minute buckets a stored page touched: what the roll-up job receives.
 * Every coarser bucket in any zone is a union of whole 5-minute buckets, so
 * these determine all the hour, day and week buckets to recompute.
 */
export function touchedBuckets(posts: { createdAt: Date }[]): Date[] {
  return distinctBucketStarts(
    posts.map((p) => p.createdAt),
    '5m',
    'UTC',
  );
}

/**
 * Formats an instant as ISO 8601 with the zone's offset, e.g.
 * `2020-11-01T00:00:00.000-04:00`. Hot in series responses (thousands of
 * points), so it does offset arithmetic instead of building a DateTime.
 */
export function formatInZone(instant: Date, tz: string): string {
  if (tz === 'UTC') return instant.toISOString();
  const offset = offsetMinutes(instant, tz);
  const local = new Date(instant.getTime() + offset * 60_000).toISOString().slice(0, -1);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
