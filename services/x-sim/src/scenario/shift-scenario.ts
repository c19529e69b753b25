import type { Scenario } from './scenario-schema.js';

const DAY_MS = 86_400_000;

/**
 * The scenario moved by whole days so that `now` falls in its first day: for a
 * real-time run today. Whole days keep the daily cycle on the same UTC hours;
 * the world is then the same as the original's, shifted, except for ids.
 */
export function shiftScenarioTo(scenario: Scenario, now: number): Scenario {
  const days = Math.floor((now - Date.parse(scenario.window.start)) / DAY_MS);
  const shift = (iso: string) => new Date(Date.parse(iso) + days * DAY_MS).toISOString();
  return {
    ...scenario,
    window: { start: shift(scenario.window.start), end: shift(scenario.window.end) },
    events: scenario.events.map((e) => ({ ...e, start: shift(e.start), end: shift(e.end) })),
    spikes: scenario.spikes.map((s) => ({ ...s, at: shift(s.at) })),
  };
}
