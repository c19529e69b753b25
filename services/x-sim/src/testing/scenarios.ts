import { parseScenario } from '../scenario/load-scenario.js';
import type { Scenario } from '../scenario/scenario-schema.js';

/**
 * A two-hour world for tests: busy enough (about ten posts a minute) to page
 * through many pages, with frequent edits and deletions so every code path runs.
 */
export function shortScenario(): Scenario {
  return parseScenario(
    {
      name: 'short-test',
      timezone: 'UTC',
      window: { start: '2024-05-01T10:00:00Z', end: '2024-05-01T12:00:00Z' },
      hashtags: [
        { tag: 'AlphaTag', weight: 2 },
        { tag: 'BetaTag', weight: 1 },
      ],
      cooccurrence: 0.3,
      extra_hashtags: [{ tag: 'Noise', rate: 0.2 }],
      baseline: { per_hour: 600, trough: 1 },
      languages: { en: 5, fr: 2, ar: 1, zh: 1 },
      authors: {
        count: 200,
        followers: { min: 10, alpha: 1.2 },
        institutional: [{ username: 'BigOrg', name: 'Big Org', followers: 500_000, weight: 0.05 }],
      },
      mix: { original: 50, repost: 30, reply: 12, quote: 8 },
      media_rate: 0.2,
      edits: { rate: 0.1, max_edits: 2 },
      deletions: { rate: 0.05, after_minutes: { min: 1, max: 60 } },
      searchable_delay_seconds: { min: 2, max: 60 },
    },
    'short-test',
  );
}

export const SHORT_START = Date.parse('2024-05-01T10:00:00Z');
export const SHORT_END = Date.parse('2024-05-01T12:00:00Z');
