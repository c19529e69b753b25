import { hashtagKey, SEED_HASHTAGS, snowflakeTime, touchedBuckets } from '@tagpulse/core';
import { cursorsRepository, hashtagsRepository, pageStore, rollupsRepository } from '@tagpulse/db';
import { createXApi } from '@tagpulse/x-client';
import { type Sim, startSim } from '@tagpulse/x-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing/test-app.js';

// The opening of Virtual CT Week (09:00-12:00 New York), captured with the clock frozen at 17:00Z.
const NOW = new Date('2020-07-06T17:00:00Z');
const WINDOW_START = new Date('2020-07-06T04:00:00Z');
const SEARCH_END = new Date('2020-07-06T16:00:00Z');
// Compared up to an hour before the search end: an edit (within 30 minutes) cannot move a post past it.
const COMPARE_END = new Date('2020-07-06T15:00:00Z');
const QUERY = SEED_HASHTAGS.map((t) => `#${t}`).join(' OR ');

interface TruthPost {
  id: string;
  edit_history_tweet_ids: string[];
  deleted_at?: string;
  kind: string;
  author_id: string;
}

let t: TestApp;
let sim: Sim;

/** Every page of the window through the real x-client and page store, then the roll-ups they touched (the worker's job). */
async function capture(): Promise<number> {
  const { db } = t.testDb;
  const x = createXApi({ bearerToken: 'replay-test-bearer-token-0123', baseUrl: sim.url });
  await cursorsRepository.ensureCursor(db, {
    queryKey: 'replay',
    query: QUERY,
    tagKeys: SEED_HASHTAGS.map(hashtagKey),
    sinceId: null,
  });
  let nextToken: string | undefined;
  let stored = 0;
  do {
    const page = await x.searchPage(
      { query: QUERY, startTime: WINDOW_START, endTime: SEARCH_END, nextToken },
      NOW,
    );
    const cursor = await cursorsRepository.getCursor(db, 'replay');
    const result = await pageStore.storePage(db, {
      posts: page.posts,
      authors: page.authors,
      rejected: page.rejected.length,
      seenAt: NOW,
      cursor: { queryKey: 'replay', expectedVersion: cursor?.version ?? 0, patch: { last_poll_at: NOW } },
    });
    if (!result.committed) throw new Error('the cursor moved under the replay');
    stored += result.posts;
    await rollupsRepository.recomputeTouched(db, touchedBuckets(page.posts));
    nextToken = page.nextToken;
  } while (nextToken);
  return stored;
}

/** x-sim's live posts of a hashtag whose edit chain began in the compared window, by chain. */
async function truth(tag: string, end = COMPARE_END): Promise<Map<string, TruthPost & { at: number }>> {
  const url = new URL('/__sim/truth/posts', sim.url);
  url.searchParams.set('hashtag', tag);
  url.searchParams.set('start_time', new Date(WINDOW_START.getTime() - 3_600_000).toISOString());
  const { data } = (await (await fetch(url)).json()) as { data: TruthPost[] };
  const posts = new Map<string, TruthPost & { at: number }>();
  for (const p of data) {
    const root = p.edit_history_tweet_ids[0] ?? p.id;
    const at = snowflakeTime(root);
    if (!p.deleted_at && at >= WINDOW_START.getTime() && at < end.getTime()) posts.set(root, { ...p, at });
  }
  return posts;
}

/** Counts per bucket start from the truth, for a fixed-length interval in UTC. */
function expectedCounts(posts: Iterable<{ at: number }>, stepMs: number): number[] {
  const counts = new Array<number>(Math.ceil((COMPARE_END.getTime() - WINDOW_START.getTime()) / stepMs)).fill(
    0,
  );
  for (const p of posts) {
    const i = Math.floor((p.at - WINDOW_START.getTime()) / stepMs);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

beforeAll(async () => {
  t = await startTestApp({ now: () => NOW });
  for (const tag of SEED_HASHTAGS)
    await hashtagsRepository.addHashtag(t.testDb.db, { key: hashtagKey(tag), display: tag });
  sim = await startSim({
    scenario: 'virtual-ct-week-2020',
    seed: 7,
    speed: 0,
    start: NOW.toISOString(),
    port: 0,
  });
  expect(await capture()).toBeGreaterThan(100);
}, 120_000);
afterAll(async () => {
  await sim?.close();
  await t?.close();
});

describe('a replay of captured posts', () => {
  const series = async (hashtag: string, interval: string, metric = 'posts', tz = 'UTC') => {
    const res = await t.call('GET', '/v1/series', {
      query: {
        hashtag,
        interval,
        metric,
        tz,
        from: WINDOW_START.toISOString(),
        to: COMPARE_END.toISOString(),
      },
    });
    expect(res.statusCode).toBe(200);
    return res.json().series[0].points.map((p: { value: number }) => p.value) as number[];
  };

  it.each(SEED_HASHTAGS)(
    'gives /v1/series for #%s equal to the ground truth at every interval',
    async (tag) => {
      const posts = [...(await truth(tag)).values()];
      expect(posts.length).toBeGreaterThan(0);
      expect(await series(tag, '5m')).toEqual(expectedCounts(posts, 5 * 60_000));
      expect(await series(tag, '1h')).toEqual(expectedCounts(posts, 3_600_000));
      expect(await series(tag, '1h', 'reposts')).toEqual(
        expectedCounts(
          posts.filter((p) => p.kind === 'repost'),
          3_600_000,
        ),
      );
      // One New York day (2020-07-06 from 00:00 EDT = 04:00Z) holds everything captured.
      const day = [...(await truth(tag, SEARCH_END)).values()];
      expect(await series(tag, '1d', 'posts', 'America/New_York')).toEqual([day.length]);
      expect(await series(tag, '1d', 'unique_authors', 'America/New_York')).toEqual([
        new Set(day.map((p) => p.author_id)).size,
      ]);
    },
  );

  it('gives /v1/series for all hashtags with each post once', async () => {
    const all = new Map<string, { at: number; author_id: string }>();
    const allDay = new Map<string, { author_id: string }>();
    for (const tag of SEED_HASHTAGS) {
      for (const [root, p] of await truth(tag)) all.set(root, p);
      for (const [root, p] of await truth(tag, SEARCH_END)) allDay.set(root, p);
    }
    expect(await series('all', '5m')).toEqual(expectedCounts(all.values(), 5 * 60_000));
    expect(await series('all', '1h')).toEqual(expectedCounts(all.values(), 3_600_000));
    expect(await series('all', '1h', 'unique_authors', 'Asia/Kolkata')).toHaveLength(12);
    expect(await series('all', '1d', 'posts', 'America/New_York')).toEqual([allDay.size]);
    expect(await series('all', '1d', 'unique_authors', 'America/New_York')).toEqual([
      new Set([...allDay.values()].map((p) => p.author_id)).size,
    ]);
  });
});
