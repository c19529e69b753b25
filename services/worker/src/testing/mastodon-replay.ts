import { loadScenario, type MastodonSim, type Scenario } from '@tagpulse/x-sim';

/**
 * The week with most originals also on Mastodon (so pages fill) and more of
 * them deleted: the faults happen in a day.
 */
export function mastodonScenario(): Scenario {
  const week = loadScenario('virtual-ct-week-2020');
  if (!week.mastodon) throw new Error('virtual-ct-week-2020 lost its Mastodon section');
  return {
    ...week,
    deletions: { rate: 0.1, after_minutes: { min: 2, max: 120 } },
    mastodon: { ...week.mastodon, share: 0.8 },
  };
}

/** Environment adding the simulated instances to a worker's. */
export function mastodonEnv(masto: MastodonSim): Record<string, string> {
  return {
    MASTODON_INSTANCES: masto.instances.map((i) => i.url).join(','),
    MASTODON_OVERLAP_SECONDS: '300',
  };
}
