import { snowflakeTime } from '@tagpulse/core';
import { loadScenario, type Scenario, type TruthPost } from '@tagpulse/x-sim';

/** The scale world's hashtags: `ScaleTag001`… */
export function scaleHashtags(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `ScaleTag${String(i + 1).padStart(3, '0')}`);
}

/**
 * x-sim's `steady` world spread over `hashtags`, at `perHour` posts an hour, with no edits and no
 * deletions: what is stored can then be compared with the truth whenever the comparison runs.
 */
export function scaleScenario(hashtags: string[], perHour: number): Scenario {
  const steady = loadScenario('steady');
  return {
    ...steady,
    name: 'scale',
    description: `steady traffic over ${hashtags.length} hashtags`,
    hashtags: hashtags.map((tag) => ({ tag, weight: 1 })),
    baseline: { ...steady.baseline, per_hour: perHour },
    edits: { ...steady.edits, rate: 0 },
    deletions: { ...steady.deletions, rate: 0 },
  };
}

/** Distinct posts (edit chains) carrying any of `hashtags` whose chain began in [from, to), per x-sim. */
export async function truthRoots(simUrl: string, hashtags: string[], from: Date, to: Date): Promise<number> {
  const roots = new Set<string>();
  for (const hashtag of hashtags) {
    const url = new URL('/__sim/truth/posts', simUrl);
    url.searchParams.set('hashtag', hashtag);
    url.searchParams.set('start_time', from.toISOString());
    const res = await fetch(url);
    if (!res.ok) throw new Error(`x-sim truth: HTTP ${res.status}`);
    for (const p of ((await res.json()) as { data: TruthPost[] }).data) {
      const root = p.edit_history_tweet_ids[0] ?? p.id;
      const began = snowflakeTime(root);
      if (!p.deleted_at && began >= from.getTime() && began < to.getTime()) roots.add(root);
    }
  }
  return roots.size;
}
