import { snowflakeAt } from '@tagpulse/core';

/** Builders for X v2 bodies as the API sends them; overrides are spread last. */

export const T0 = Date.parse('2026-11-20T12:00:00.000Z');
export const AUTHOR_ID = '1250000000000000001';

export function postPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = typeof overrides.id === 'string' ? overrides.id : snowflakeAt(T0, 1);
  return {
    id,
    text: 'Opening session of #VirtualCTWeek',
    author_id: AUTHOR_ID,
    created_at: new Date(T0).toISOString(),
    lang: 'en',
    conversation_id: id,
    entities: { hashtags: [{ start: 19, end: 33, tag: 'VirtualCTWeek' }] },
    public_metrics: {
      retweet_count: 1,
      reply_count: 2,
      like_count: 3,
      quote_count: 4,
      bookmark_count: 5,
      impression_count: 600,
    },
    edit_history_tweet_ids: [id],
    possibly_sensitive: false,
    ...overrides,
  };
}

export function userPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: AUTHOR_ID,
    username: 'UN_OCT',
    name: 'UN Counter-Terrorism',
    created_at: '2017-06-15T09:00:00.000Z',
    verified: true,
    verified_type: 'government',
    protected: false,
    public_metrics: { followers_count: 120_000, following_count: 300, tweet_count: 9_000, listed_count: 800 },
    ...overrides,
  };
}

export function page(
  data: unknown[],
  includes: { users?: unknown[]; tweets?: unknown[] } = { users: [userPayload()] },
): Record<string, unknown> {
  return { data, includes, meta: { result_count: data.length } };
}
