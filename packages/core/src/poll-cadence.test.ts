import { describe, expect, it } from 'vitest';
import { isPollDue, longestPollDelayMs, pollDelayMs, postingRate } from './poll-cadence.js';

const DEFAULTS = { maxDelayMs: 180_000, searchLagMs: 30_000, tickMs: 15_000 };
const perMinute = (n: number) => n / 60_000;

describe('postingRate', () => {
  it('takes the busiest window, so a surge counts at once and a lull does not hide the last hour', () => {
    expect(
      postingRate([
        { posts: 30, ms: 10 * 60_000 },
        { posts: 60, ms: 60 * 60_000 },
      ]),
    ).toBeCloseTo(perMinute(3));
    expect(
      postingRate([
        { posts: 0, ms: 10 * 60_000 },
        { posts: 120, ms: 60 * 60_000 },
      ]),
    ).toBeCloseTo(perMinute(2));
  });

  it('is zero without posts or windows', () => {
    expect(postingRate([{ posts: 0, ms: 600_000 }])).toBe(0);
    expect(postingRate([])).toBe(0);
    expect(postingRate([{ posts: 5, ms: 0 }])).toBe(0);
  });
});

describe('pollDelayMs', () => {
  it('waits as long as the freshness asked allows on a quiet query: the search lag and a tick come off', () => {
    expect(longestPollDelayMs(DEFAULTS)).toBe(135_000);
    expect(pollDelayMs(0, DEFAULTS)).toBe(135_000);
    expect(pollDelayMs(perMinute(0.1), DEFAULTS)).toBe(135_000);
  });

  it('polls about once per expected post in between', () => {
    expect(pollDelayMs(perMinute(1), DEFAULTS)).toBeCloseTo(60_000);
    expect(pollDelayMs(perMinute(2), DEFAULTS)).toBeCloseTo(30_000);
  });

  it('asks for every tick in a spike (the tick is the floor)', () => {
    expect(pollDelayMs(perMinute(40), DEFAULTS)).toBeLessThan(DEFAULTS.tickMs);
  });

  it('polls at every tick when the operator turns it off (0) or asks fresher than the lag and a tick allow', () => {
    expect(pollDelayMs(0, { ...DEFAULTS, maxDelayMs: 0 })).toBe(0);
    expect(pollDelayMs(0, { ...DEFAULTS, maxDelayMs: 40_000 })).toBe(0);
  });

  it('follows a longer freshness asked', () => {
    expect(pollDelayMs(0, { ...DEFAULTS, maxDelayMs: 900_000 })).toBe(855_000);
  });
});

describe('isPollDue', () => {
  const start = new Date('2020-07-06T12:00:00Z');
  it('is due once the delay has passed since the last cycle began, or when none ever began', () => {
    expect(isPollDue(start, new Date('2020-07-06T12:00:59Z'), 60_000)).toBe(false);
    expect(isPollDue(start, new Date('2020-07-06T12:01:00Z'), 60_000)).toBe(true);
    expect(isPollDue(null, start, 60_000)).toBe(true);
    expect(isPollDue(start, start, 0)).toBe(true);
  });
});
