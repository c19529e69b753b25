import { describe, expect, it } from 'vitest';
import {
  bucketStart,
  bucketStarts,
  canonicalZone,
  formatInZone,
  isTimeZone,
  maxBucketCount,
  nextBucketStart,
  previousPeriod,
  touchedBuckets,
  zeroFill,
} from './buckets.js';

const at = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();

describe('bucketStart', () => {
  it('cuts 5-minute buckets on UTC multiples of 5 minutes, whatever the zone', () => {
    expect(iso(bucketStart(at('2020-07-06T13:04:59.999Z'), '5m', 'UTC'))).toBe('2020-07-06T13:00:00.000Z');
    expect(iso(bucketStart(at('2020-07-06T13:05:00Z'), '5m', 'Asia/Kolkata'))).toBe(
      '2020-07-06T13:05:00.000Z',
    );
  });

  it('starts a Kolkata hour at half past the UTC hour', () => {
    expect(iso(bucketStart(at('2020-07-06T13:29:00Z'), '1h', 'Asia/Kolkata'))).toBe(
      '2020-07-06T12:30:00.000Z',
    );
    expect(iso(bucketStart(at('2020-07-06T13:30:00Z'), '1h', 'Asia/Kolkata'))).toBe(
      '2020-07-06T13:30:00.000Z',
    );
  });

  it('starts a Kolkata day at 18:30 UTC the evening before', () => {
    expect(iso(bucketStart(at('2020-07-06T18:29:59Z'), '1d', 'Asia/Kolkata'))).toBe(
      '2020-07-05T18:30:00.000Z',
    );
    expect(iso(bucketStart(at('2020-07-06T18:30:00Z'), '1d', 'Asia/Kolkata'))).toBe(
      '2020-07-06T18:30:00.000Z',
    );
  });

  it('starts a New York day at local midnight, EDT and EST alike', () => {
    expect(iso(bucketStart(at('2020-07-06T03:59:59Z'), '1d', 'America/New_York'))).toBe(
      '2020-07-05T04:00:00.000Z',
    );
    expect(iso(bucketStart(at('2020-12-01T04:59:59Z'), '1d', 'America/New_York'))).toBe(
      '2020-11-30T05:00:00.000Z',
    );
  });

  it('starts weeks on Monday in the zone', () => {
    // Sunday 2020-07-12 23:00 New York is still in the week of Monday 6 July.
    expect(iso(bucketStart(at('2020-07-13T03:00:00Z'), '1w', 'America/New_York'))).toBe(
      '2020-07-06T04:00:00.000Z',
    );
    expect(iso(bucketStart(at('2020-07-13T03:00:00Z'), '1w', 'UTC'))).toBe('2020-07-13T00:00:00.000Z');
  });

  it('keeps the two 01:00 hours of the New York fall-back night apart', () => {
    // 2020-11-01 01:30 EDT is 05:30Z; 01:30 EST is 06:30Z.
    expect(iso(bucketStart(at('2020-11-01T05:30:00Z'), '1h', 'America/New_York'))).toBe(
      '2020-11-01T05:00:00.000Z',
    );
    expect(iso(bucketStart(at('2020-11-01T06:30:00Z'), '1h', 'America/New_York'))).toBe(
      '2020-11-01T06:00:00.000Z',
    );
  });
});

describe('nextBucketStart and bucketStarts', () => {
  it('makes the New York fall-back day 25 hours and the spring-forward day 23', () => {
    const fallBack = at('2020-11-01T04:00:00Z');
    expect(nextBucketStart(fallBack, '1d', 'America/New_York').getTime() - fallBack.getTime()).toBe(
      25 * 3_600_000,
    );
    const springForward = at('2021-03-14T05:00:00Z');
    expect(nextBucketStart(springForward, '1d', 'America/New_York').getTime() - springForward.getTime()).toBe(
      23 * 3_600_000,
    );
  });

  it('lists the New York days across the 2020-11-01 change', () => {
    const days = bucketStarts(
      at('2020-10-31T04:00:00Z'),
      at('2020-11-03T05:00:00Z'),
      '1d',
      'America/New_York',
    );
    expect(days.map(iso)).toEqual([
      '2020-10-31T04:00:00.000Z',
      '2020-11-01T04:00:00.000Z',
      '2020-11-02T05:00:00.000Z',
    ]);
  });

  it('lists 25 hours on the fall-back day, with 01:00 twice', () => {
    const hours = bucketStarts(
      at('2020-11-01T04:00:00Z'),
      at('2020-11-02T05:00:00Z'),
      '1h',
      'America/New_York',
    );
    expect(hours).toHaveLength(25);
    expect(hours.map((h) => formatInZone(h, 'America/New_York').slice(11, 19))).toContain('01:00:00');
    expect(hours.filter((h) => formatInZone(h, 'America/New_York').slice(11, 13) === '01')).toHaveLength(2);
  });

  it('covers a partial first bucket and stops before `to`', () => {
    const starts = bucketStarts(at('2020-07-06T13:07:00Z'), at('2020-07-06T13:20:00Z'), '5m', 'UTC');
    expect(starts.map(iso)).toEqual([
      '2020-07-06T13:05:00.000Z',
      '2020-07-06T13:10:00.000Z',
      '2020-07-06T13:15:00.000Z',
    ]);
    expect(bucketStarts(at('2020-07-06T13:00:00Z'), at('2020-07-06T13:00:00Z'), '5m', 'UTC')).toEqual([]);
  });

  it('bounds the bucket count from above without listing', () => {
    const from = at('2020-01-01T00:00:00Z');
    const to = at('2020-04-01T00:00:00Z');
    for (const grain of ['5m', '1h', '1d', '1w'] as const) {
      expect(maxBucketCount(from, to, grain)).toBeGreaterThanOrEqual(
        bucketStarts(from, to, grain, 'Asia/Kolkata').length,
      );
    }
  });
});

describe('time zones', () => {
  it('accepts IANA names and refuses the rest', () => {
    for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu'])
      expect(isTimeZone(tz)).toBe(true);
    for (const tz of ['Mars/Olympus', '', 'America/New_York; drop table', '+05:30', "'"]) {
      expect(isTimeZone(tz)).toBe(false);
    }
  });

  it('names a zone by its canonical IANA spelling, whatever the case or alias', () => {
    expect(canonicalZone('aSiA/kOlKaTa')).toBe('Asia/Kolkata');
    expect(canonicalZone('Asia/Calcutta')).toBe('Asia/Kolkata');
    expect(canonicalZone('america/new_york')).toBe('America/New_York');
    expect(canonicalZone('US/Eastern')).toBe('America/New_York');
    expect(canonicalZone('europe/kiev')).toBe('Europe/Kyiv');
    for (const tz of ['utc', 'Etc/UTC', 'GMT', 'UTC']) expect(canonicalZone(tz)).toBe('UTC');
    for (const tz of ['Mars/Olympus', '+05:30', 'x'.repeat(65)]) expect(canonicalZone(tz)).toBeUndefined();
  });

  it('has one name per zone: every spelling of every zone the runtime knows is a fixed point', () => {
    const names = new Set<string>();
    for (const id of Intl.supportedValuesOf('timeZone')) {
      const canonical = canonicalZone(id);
      expect(canonical, id).toBeDefined();
      names.add(canonical as string);
      expect(canonicalZone(canonical as string)).toBe(canonical);
      expect(canonicalZone((canonical as string).toUpperCase())).toBe(canonical);
    }
    // A client varying the case of a name cannot make a new zone: the names stay the runtime's.
    expect(names.size).toBeLessThanOrEqual(Intl.supportedValuesOf('timeZone').length);
  });

  it('prints an instant with the zone offset', () => {
    expect(formatInZone(at('2020-07-06T13:00:00Z'), 'America/New_York')).toBe(
      '2020-07-06T09:00:00.000-04:00',
    );
    expect(formatInZone(at('2020-07-06T13:00:00Z'), 'Asia/Kolkata')).toBe('2020-07-06T18:30:00.000+05:30');
  });
});

describe('series helpers', () => {
  it('zero-fills missing buckets', () => {
    const starts = [at('2020-07-06T13:00:00Z'), at('2020-07-06T13:05:00Z')];
    const filled = zeroFill(starts, new Map([[starts[1]!.getTime(), 7]]), 0);
    expect(filled.map((p) => p.value)).toEqual([0, 7]);
  });

  it('gives the previous period of the same length', () => {
    const prev = previousPeriod(at('2020-07-07T04:00:00Z'), at('2020-07-08T04:00:00Z'));
    expect([iso(prev.from), iso(prev.to)]).toEqual(['2020-07-06T04:00:00.000Z', '2020-07-07T04:00:00.000Z']);
  });

  it('lists the distinct 5-minute buckets a page touched', () => {
    const touched = touchedBuckets([
      { createdAt: at('2020-07-06T13:06:00Z') },
      { createdAt: at('2020-07-06T13:01:00Z') },
      { createdAt: at('2020-07-06T13:09:59Z') },
    ]);
    expect(touched.map(iso)).toEqual(['2020-07-06T13:00:00.000Z', '2020-07-06T13:05:00.000Z']);
  });
});
