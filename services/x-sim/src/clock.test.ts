import { describe, expect, it } from 'vitest';
import { createClock, wallMinutes } from './clock.js';
import { loadScenario } from './scenario/load-scenario.js';

describe('createClock', () => {
  it('runs speed times faster than real time from its start', () => {
    let real = 1_000;
    const clock = createClock({ start: Date.parse('2020-07-06T04:00:00Z'), speed: 600, realNow: () => real });
    real += 1_000;
    expect(clock.now()).toBe(Date.parse('2020-07-06T04:10:00Z'));
  });

  it('stands still at speed 0 and moves only when set', () => {
    let real = 0;
    const clock = createClock({ start: 5_000, speed: 0, realNow: () => real });
    real += 60_000;
    expect(clock.now()).toBe(5_000);
    clock.set(9_000);
    expect(clock.now()).toBe(9_000);
  });

  it('keeps running at its speed after a jump', () => {
    let real = 0;
    const clock = createClock({ start: 0, speed: 2, realNow: () => real });
    clock.set(100_000);
    real += 10;
    expect(clock.now()).toBe(100_020);
  });

  it('replays the virtual CT week at --speed 600 in about 17 minutes of wall time', () => {
    const { window } = loadScenario('virtual-ct-week-2020');
    expect(wallMinutes(Date.parse(window.end) - Date.parse(window.start), 600)).toBeCloseTo(16.8, 5);
  });
});
