import { hashtagKey, SEED_HASHTAGS } from '@tagpulse/core';
import { hashtagsRepository } from '@tagpulse/db';
import { type Sim, startSim } from '@tagpulse/x-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureWindow, expectedSums, truthByChain } from './testing/replay.js';
import { startTestApp, type TestApp } from './testing/test-app.js';

// The opening of Virtual CT Week (09:00-12:00 New York), captured with the clock frozen at 17:00Z.
const NOW = new Date('2020-07-06T17:00:00Z');
const WINDOW_START = new Date('2020-07-06T04:00:00Z');
const SEARCH_END = new Date('2020-07-06T16:00:00Z');
// Compared up to an hour before the search end: an edit (within 30 minutes) cannot move a post past it.
const COMPARE_END = new Date('2020-07-06T15:00:00Z');

let t: TestApp;
let sim: Sim;

const truth = (tag: string, end = COMPARE_END) => truthByChain(sim, tag, { from: WINDOW_START, to: end });

/** Counts per bucket start from the truth, for a fixed-length interval in UTC. */
const expectedCounts = (posts: Iterable<{ at: number }>, stepMs: number) =>
  expectedSums(posts, { from: WINDOW_START, to: COMPARE_END, stepMs });

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
  expect(
    await captureWindow(t.testDb.db, sim, { start: WINDOW_START, end: SEARCH_END, now: NOW }),
  ).toBeGreaterThan(100);
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
      // X's 2026 search returns no reposts: they are the posts' retweet_count at capture (see reposts.int.test.ts).
      expect(posts.every((p) => p.kind !== 'repost')).toBe(true);
      expect(await series(tag, '1h', 'reposts')).toEqual(
        expectedSums(
          posts,
          { from: WINDOW_START, to: COMPARE_END, stepMs: 3_600_000 },
          (p) => p.retweet_count,
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
