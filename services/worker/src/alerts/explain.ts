import { type Episode, GRAIN_MS, postUrl } from '@tagpulse/core';
import { type AlertRule, type Database, insightsRepository } from '@tagpulse/db';
import { rollupNetworkOf } from '@tagpulse/usecases';
import type { Kysely } from 'kysely';

const AROUND_BUCKETS = 24;
const TOP = 5;

/** What a spike notice shows besides the figures: enough to judge it without opening anything. */
export interface SpikeDetails {
  series: { t: string; value: number }[];
  top_posts: { id: string; author: string | null; text: string; engagements: number; url: string }[];
  top_authors: { username: string | null; followers: number; posts: number }[];
  cohashtags: { tag: string; posts: number }[];
  coverage: number | null;
  link: string;
}

/** The API request that reproduces the chart around the spike. */
export function chartLink(publicUrl: string, rule: AlertRule, label: string, from: Date, to: Date): string {
  const q = new URLSearchParams({
    hashtag: label,
    metric: rule.metric,
    interval: rule.grain,
    network: rule.network,
    from: from.toISOString(),
    to: to.toISOString(),
  });
  return `${publicUrl.replace(/\/$/, '')}/v1/series?${q}`;
}

/**
 * The spike's explanation, read when it fires: the series around it, its top
 * posts and authors, the hashtags riding along, and the coverage of its hour.
 */
export async function explainSpike(
  db: Kysely<Database>,
  input: {
    rule: AlertRule;
    label: string;
    tags: string[];
    episode: Episode;
    values: Map<number, number>;
    coverage: Map<number, number>;
    now: number;
    publicUrl: string;
  },
): Promise<SpikeDetails> {
  const { rule, episode, now } = input;
  const grainMs = GRAIN_MS[rule.grain];
  const from = episode.startedAt - (AROUND_BUCKETS - 1) * grainMs;
  const series: SpikeDetails['series'] = [];
  for (let t = from; t <= now && t < episode.startedAt + AROUND_BUCKETS * grainMs; t += grainMs) {
    series.push({ t: new Date(t).toISOString(), value: input.values.get(t) ?? 0 });
  }
  const range = {
    scope: rule.scope,
    network: rollupNetworkOf(rule.network),
    tags: input.tags,
    from: new Date(episode.startedAt),
    to: new Date(Math.max(now, episode.startedAt + grainMs)),
  };
  const [posts, authors, cohashtags] = await Promise.all([
    insightsRepository.topPosts(db, range, { by: 'engagements', limit: TOP }),
    insightsRepository.topAuthors(db, range, { by: 'engagements', limit: TOP }),
    insightsRepository.cohashtags(db, range, { limit: TOP }),
  ]);
  const hour = Math.floor(episode.startedAt / 3_600_000) * 3_600_000;
  return {
    series,
    top_posts: posts.map((p) => ({
      id: p.id,
      author: p.author_username,
      text: p.text,
      engagements: p.engagements,
      url: postUrl(p.id, p.author_username),
    })),
    top_authors: authors.map((a) => ({ username: a.username, followers: a.followers, posts: a.posts })),
    cohashtags: cohashtags.map((c) => ({ tag: c.tag_key, posts: c.posts })),
    coverage: input.coverage.get(hour) ?? null,
    link: chartLink(input.publicUrl, rule, input.label, new Date(from), new Date(now + grainMs)),
  };
}
