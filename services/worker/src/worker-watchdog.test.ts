import { describe, expect, it } from 'vitest';
import { isWedged } from './worker-watchdog.js';

const GRACE = 10_000;
const NOW = 1_000_000;
const idle = { running: 0, concurrency: 4, lastStartedAt: NOW - 60_000 };
const waiting = (sinceMs: number) => ({ oldestRunnableSince: NOW - sinceMs, held: false });

describe('a wedged worker', () => {
  it('is one with a free slot that started nothing since a job became runnable, past the grace', () => {
    expect(isWedged(idle, waiting(GRACE + 1), NOW, GRACE)).toBe(true);
    expect(isWedged({ ...idle, lastStartedAt: null }, waiting(GRACE), NOW, GRACE)).toBe(true);
  });

  it('is not one within the grace, with nothing waiting, or that took a job since', () => {
    expect(isWedged(idle, waiting(GRACE - 1), NOW, GRACE)).toBe(false);
    expect(isWedged(idle, { oldestRunnableSince: null, held: false }, NOW, GRACE)).toBe(false);
    expect(isWedged({ ...idle, lastStartedAt: NOW - 1_000 }, waiting(GRACE + 1), NOW, GRACE)).toBe(false);
  });

  it('is not one whose slots are all busy, or whose queue holds its jobs on purpose (a 429, a pause)', () => {
    expect(isWedged({ ...idle, running: 4 }, waiting(GRACE * 10), NOW, GRACE)).toBe(false);
    expect(isWedged(idle, { ...waiting(GRACE * 10), held: true }, NOW, GRACE)).toBe(false);
  });
});
