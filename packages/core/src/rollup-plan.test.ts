import { describe, expect, it } from 'vitest';
import { bucketRuns, bucketSetsBetween, bucketSetsOf, hoursMissing, wholeBuckets } from './rollup-plan.js';

const at = (iso: string) => new Date(iso);
const isos = (dates: Date[]) => dates.map((d) => d.toISOString());
const shape = (sets: { grain: string; tz: string; starts: Date[] }[]) =>
  sets.map((s) => ({ grain: s.grain, tz: s.tz, starts: isos(s.starts) }));

describe('bucketSetsOf', () => {
  it('touches the UTC 5-minute and hour buckets, and each zone its own day and week', () => {
    const sets = bucketSetsOf(
      [at('2020-07-06T13:04:00Z'), at('2020-07-06T13:07:00Z')],
      ['Europe/Paris'],
      true,
    );
    expect(shape(sets)).toEqual([
      { grain: '5m', tz: 'UTC', starts: ['2020-07-06T13:00:00.000Z', '2020-07-06T13:05:00.000Z'] },
      { grain: '1h', tz: 'UTC', starts: ['2020-07-06T13:00:00.000Z'] },
      // Paris hours are UTC hours: the UTC rows serve them.
      { grain: '1d', tz: 'Europe/Paris', starts: ['2020-07-05T22:00:00.000Z'] },
      { grain: '1w', tz: 'Europe/Paris', starts: ['2020-07-05T22:00:00.000Z'] },
    ]);
  });

  it("keeps a zone's own hours only where they are not UTC hours", () => {
    const sets = bucketSetsOf([at('2020-07-06T13:04:00Z')], ['Asia/Kolkata'], false);
    expect(shape(sets)).toEqual([
      { grain: '1h', tz: 'Asia/Kolkata', starts: ['2020-07-06T12:30:00.000Z'] },
      { grain: '1d', tz: 'Asia/Kolkata', starts: ['2020-07-05T18:30:00.000Z'] },
      { grain: '1w', tz: 'Asia/Kolkata', starts: ['2020-07-05T18:30:00.000Z'] },
    ]);
  });

  it('gives no set for no instant', () => {
    expect(bucketSetsOf([], ['UTC', 'Asia/Kolkata'], true)).toEqual([]);
  });
});

describe('bucketSetsBetween', () => {
  it('lists every bucket of every stored series over the range, UTC first', () => {
    const sets = bucketSetsBetween(at('2020-07-06T13:00:00Z'), at('2020-07-06T14:00:00Z'), ['UTC'], true);
    expect(sets.map((s) => [s.grain, s.tz, s.starts.length])).toEqual([
      ['5m', 'UTC', 12],
      ['1h', 'UTC', 1],
      ['1d', 'UTC', 1],
      ['1w', 'UTC', 1],
    ]);
  });

  it("leaves out a zone's hours that UTC hours serve", () => {
    const sets = bucketSetsBetween(
      at('2020-07-06T13:00:00Z'),
      at('2020-07-06T15:00:00Z'),
      ['Asia/Kolkata'],
      false,
    );
    expect(shape(sets)[0]).toEqual({
      grain: '1h',
      tz: 'Asia/Kolkata',
      starts: ['2020-07-06T12:30:00.000Z', '2020-07-06T13:30:00.000Z', '2020-07-06T14:30:00.000Z'],
    });
    expect(
      bucketSetsBetween(at('2020-07-06T13:00:00Z'), at('2020-07-06T15:00:00Z'), ['Europe/Paris'], false)[0],
    ).toMatchObject({ grain: '1h', tz: 'Europe/Paris', starts: [] });
  });
});

describe('bucketRuns', () => {
  it('merges adjacent buckets and keeps gaps apart', () => {
    const starts = [at('2020-07-06T13:00:00Z'), at('2020-07-06T14:00:00Z'), at('2020-07-06T16:00:00Z')];
    const ends = [at('2020-07-06T14:00:00Z'), at('2020-07-06T15:00:00Z'), at('2020-07-06T17:00:00Z')];
    expect(bucketRuns(starts, ends).map((r) => [r.lo.toISOString(), r.hi.toISOString()])).toEqual([
      ['2020-07-06T13:00:00.000Z', '2020-07-06T15:00:00.000Z'],
      ['2020-07-06T16:00:00.000Z', '2020-07-06T17:00:00.000Z'],
    ]);
  });
});

const range = (r: { from: Date; to: Date }) => [r.from.toISOString(), r.to.toISOString()];

describe('wholeBuckets', () => {
  it('cuts a period into its whole hours and the slivers at either end', () => {
    const { whole, slivers } = wholeBuckets(at('2020-07-06T12:20:00Z'), at('2020-07-06T15:10:00Z'), '1h');
    expect(whole && range(whole)).toEqual(['2020-07-06T13:00:00.000Z', '2020-07-06T15:00:00.000Z']);
    expect(slivers.map(range)).toEqual([
      ['2020-07-06T12:20:00.000Z', '2020-07-06T13:00:00.000Z'],
      ['2020-07-06T15:00:00.000Z', '2020-07-06T15:10:00.000Z'],
    ]);
  });

  it('has no sliver on an aligned period, and no whole bucket in a short one', () => {
    const aligned = wholeBuckets(at('2020-07-06T13:00:00Z'), at('2020-07-06T13:10:00Z'), '5m');
    expect(aligned.slivers).toEqual([]);
    expect(aligned.whole && range(aligned.whole)).toEqual([
      '2020-07-06T13:00:00.000Z',
      '2020-07-06T13:10:00.000Z',
    ]);
    const short = wholeBuckets(at('2020-07-06T13:01:00Z'), at('2020-07-06T13:04:00Z'), '5m');
    expect(short.whole).toBeUndefined();
    expect(short.slivers.map(range)).toEqual([['2020-07-06T13:01:00.000Z', '2020-07-06T13:04:00.000Z']]);
  });
});

describe('hoursMissing', () => {
  it('merges the hours without a stored set into runs', () => {
    const period = { from: at('2020-07-06T10:00:00Z'), to: at('2020-07-06T15:00:00Z') };
    const missing = hoursMissing(period, [at('2020-07-06T11:00:00Z'), at('2020-07-06T12:00:00Z')]);
    expect(missing.map(range)).toEqual([
      ['2020-07-06T10:00:00.000Z', '2020-07-06T11:00:00.000Z'],
      ['2020-07-06T13:00:00.000Z', '2020-07-06T15:00:00.000Z'],
    ]);
  });
});
