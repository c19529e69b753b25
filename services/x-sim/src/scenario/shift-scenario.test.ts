import { describe, expect, it } from 'vitest';
import { loadScenario } from './load-scenario.js';
import { shiftScenarioTo } from './shift-scenario.js';

describe('shiftScenarioTo', () => {
  it('moves every instant by the same whole number of days so that now falls in the first day', () => {
    const original = loadScenario('spike');
    const now = Date.parse('2026-11-28T23:35:00Z');
    const shifted = shiftScenarioTo(original, now);
    expect(shifted.window).toEqual({ start: '2026-11-28T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' });
    expect(shifted.spikes[0]?.at).toBe('2026-11-29T12:00:00.000Z');
    expect(Date.parse(shifted.window.start)).toBeLessThanOrEqual(now);
    expect(shifted.hashtags).toEqual(original.hashtags);
  });
});
