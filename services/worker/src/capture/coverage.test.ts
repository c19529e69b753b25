import { describe, expect, it } from 'vitest';
import { coverageReadings, coverageWindow } from './coverage.js';

describe('coverage', () => {
  it('measures the whole hours before the current one', () => {
    expect(coverageWindow(new Date('2020-07-06T14:37:12Z'), 3)).toEqual({
      from: new Date('2020-07-06T11:00:00Z'),
      to: new Date('2020-07-06T14:00:00Z'),
    });
  });

  it('does not end on an hour that turned less than a minute ago', () => {
    expect(coverageWindow(new Date('2020-07-06T14:00:00Z'), 1)).toEqual({
      from: new Date('2020-07-06T12:00:00Z'),
      to: new Date('2020-07-06T13:00:00Z'),
    });
  });

  it('pairs each X bucket with the posts captured in that hour, zero when none', () => {
    const h = (iso: string) => new Date(iso);
    const at = h('2020-07-06T14:37:12Z');
    const readings = coverageReadings(
      'uncctexpo',
      [
        { start: h('2020-07-06T12:00:00Z'), count: 4 },
        { start: h('2020-07-06T13:00:00Z'), count: 2 },
      ],
      new Map([[h('2020-07-06T12:00:00Z').getTime(), 4]]),
      at,
    );
    expect(readings.map((r) => [r.hourStart.toISOString(), r.captured, r.xCount])).toEqual([
      ['2020-07-06T12:00:00.000Z', 4, 4],
      ['2020-07-06T13:00:00.000Z', 0, 2],
    ]);
  });
});
