import type { Post } from '@tagpulse/core';
import {
  createTestDatabase,
  makeAuthor,
  NO_METRICS,
  postAt,
  storedBucket,
  storePosts,
  type TestDatabase,
} from '@tagpulse/testkit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHashtag, deactivateHashtag } from './hashtags.repository.js';
import { applyRefresh } from './refresh.repository.js';
import { lagSeconds, markDirty, recomputeDirty } from './rollup-outbox.repository.js';
import { readSeries } from './rollups.repository.js';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
  await addHashtag(testDb.db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
});
afterAll(async () => {
  await testDb?.drop();
});

const author = makeAuthor({ id: '201', username: 'oct', followers: 500 });
function post(at: string, lowBits: number, impressions = 0): Post {
  return postAt(at, author, 'original', ['virtualctweek'], {
    lowBits,
    metrics: { ...NO_METRICS, impressions },
  });
}

async function marks(): Promise<string[]> {
  const rows = await testDb.db
    .selectFrom('rollup_dirty')
    .select('bucket_start')
    .orderBy('bucket_start')
    .execute();
  return rows.map((r) => r.bucket_start.toISOString());
}

const fiveMinutes = (at: string) =>
  storedBucket(testDb.db, { scope: 'virtualctweek', grain: '5m', tz: 'UTC', at });

describe('the roll-up outbox', () => {
  it('is marked by the page that stores the posts, once per bucket, and drained into the series', async () => {
    const early = post('2020-07-06T13:01:00Z', 1, 40);
    const sameBucket = post('2020-07-06T13:04:59Z', 2, 60);
    const later = post('2020-07-06T13:05:00Z', 3, 5);
    await storePosts(testDb.db, [early, sameBucket, later], [author]);
    expect(await marks()).toEqual(['2020-07-06T13:00:00.000Z', '2020-07-06T13:05:00.000Z']);
    expect(await fiveMinutes('2020-07-06T13:00:00Z')).toBeUndefined();

    // Claimed one bucket at a time: the first claim leaves the second mark for the next.
    expect(await recomputeDirty(testDb.db, 1)).toBe(1);
    expect(await marks()).toEqual(['2020-07-06T13:05:00.000Z']);
    expect(await recomputeDirty(testDb.db, 10)).toBe(1);
    expect(await recomputeDirty(testDb.db, 10)).toBe(0);
    expect(await marks()).toEqual([]);
    expect(await fiveMinutes('2020-07-06T13:00:00Z')).toMatchObject({ posts: 2, impressions: 100 });
    expect(await fiveMinutes('2020-07-06T13:05:00Z')).toMatchObject({ posts: 1, impressions: 5 });
  });

  it('is marked by an engagement refresh, so newer metrics reach the old bucket', async () => {
    const stored = post('2020-07-06T13:01:00Z', 1, 40);
    const grown = {
      ...stored,
      metrics: { ...stored.metrics, impressions: 400 },
      observedAt: new Date('2020-07-06T14:01:00Z'),
    };
    await applyRefresh(testDb.db, {
      due: [{ editRootId: stored.editRootId, id: stored.id, createdAt: stored.createdAt }],
      found: [grown],
      deletedIds: [],
      now: grown.observedAt,
    });
    expect(await marks()).toEqual(['2020-07-06T13:00:00.000Z']);
    await recomputeDirty(testDb.db, 10);
    expect(await fiveMinutes('2020-07-06T13:00:00Z')).toMatchObject({ posts: 2, impressions: 460 });
  });

  it('is not marked by a page reading stored posts again unchanged, and is by what changed', async () => {
    await recomputeDirty(testDb.db, 100);
    const seen = (p: Post, minutes: number) =>
      ({ ...p, observedAt: new Date(p.observedAt.getTime() + minutes * 60_000) }) as Post;
    const a = post('2020-07-07T09:01:00Z', 1, 10);
    const b = post('2020-07-07T09:31:00Z', 2, 10);
    await storePosts(testDb.db, [a, b], [author]);
    await recomputeDirty(testDb.db, 100);

    // Read again later with the same figures (a poll's overlap, a Mastodon re-read): nothing to roll up.
    await storePosts(testDb.db, [seen(a, 5), seen(b, 5)], [author]);
    expect(await marks()).toEqual([]);
    // Another like on one of them: only its bucket.
    const liked = { ...a, metrics: { ...a.metrics, likes: 1 } };
    await storePosts(testDb.db, [seen(liked, 10), seen(b, 10)], [author]);
    expect(await marks()).toEqual(['2020-07-07T09:00:00.000Z']);
    await recomputeDirty(testDb.db, 100);
    // An older reading of different figures changes nothing stored.
    await storePosts(testDb.db, [{ ...b, metrics: { ...b.metrics, likes: 7 } }], [author]);
    expect(await marks()).toEqual([]);
    // The author's followers changed: the buckets of the page's posts by them (their reach).
    const grown = { ...author, followers: 900, observedAt: new Date('2020-07-07T10:00:00Z') };
    await storePosts(testDb.db, [seen(b, 15)], [grown]);
    expect(await marks()).toEqual(['2020-07-07T09:30:00.000Z']);
    await recomputeDirty(testDb.db, 100);
    // A new post beside a known one: its bucket alone.
    await storePosts(testDb.db, [seen(liked, 20), post('2020-07-07T09:41:00Z', 3)], [grown]);
    expect(await marks()).toEqual(['2020-07-07T09:40:00.000Z']);
    await recomputeDirty(testDb.db, 100);
  });

  it('keeps a mark made while nothing drains it, and a repeated mark is one row', async () => {
    await markDirty(testDb.db, [post('2020-07-07T00:00:00Z', 9)]);
    await markDirty(testDb.db, [post('2020-07-07T00:04:00Z', 10)]);
    expect(await marks()).toEqual(['2020-07-07T00:00:00.000Z']);
    expect(await recomputeDirty(testDb.db, 10)).toBe(1);
  });

  it('measures the lag from the first mark of a bucket still waiting, and 0 once drained', async () => {
    await markDirty(testDb.db, [post('2020-07-08T00:00:00Z', 11)]);
    await new Promise((r) => setTimeout(r, 300));
    // A later mark of the same bucket keeps the first time: those posts have waited since.
    await markDirty(testDb.db, [post('2020-07-08T00:01:00Z', 12)]);
    expect(await lagSeconds(testDb.db)).toBeGreaterThanOrEqual(0.3);
    await recomputeDirty(testDb.db, 10);
    expect(await lagSeconds(testDb.db)).toBe(0);
  });

  it('brings the posts stored before a hashtag was tracked into its series, and out of "all" when dropped', async () => {
    const early = postAt('2020-07-09T10:02:00Z', author, 'original', ['latecomer'], { lowBits: 21 });
    const late = postAt('2020-07-09T11:30:00Z', author, 'reply', ['latecomer'], { lowBits: 22 });
    await storePosts(testDb.db, [early, late], [author]);
    await recomputeDirty(testDb.db, 100);
    const day = { grain: '1h' as const, tz: 'UTC', from: new Date('2020-07-09T00:00:00Z') };
    const hours = async (scope: string) => {
      const series = await readSeries(testDb.db, { ...day, scope, to: new Date('2020-07-10T00:00:00Z') });
      return [...series.entries()]
        .filter(([, v]) => (v.posts ?? 0) > 0)
        .map(([t, v]) => [new Date(t).toISOString(), v.posts]);
    };
    expect(await hours('latecomer')).toEqual([]);

    await addHashtag(testDb.db, { key: 'latecomer', display: 'Latecomer' });
    expect(await marks()).toEqual(['2020-07-09T10:00:00.000Z', '2020-07-09T11:30:00.000Z']);
    await recomputeDirty(testDb.db, 100);
    const both = [
      ['2020-07-09T10:00:00.000Z', 1],
      ['2020-07-09T11:00:00.000Z', 1],
    ];
    expect(await hours('latecomer')).toEqual(both);
    expect(await hours('*')).toEqual(both);
    // Tracking it again changes nothing, so nothing is marked.
    await addHashtag(testDb.db, { key: 'latecomer', display: 'LateComer' });
    expect(await marks()).toEqual([]);

    expect(await deactivateHashtag(testDb.db, 'latecomer')).toBe(true);
    await recomputeDirty(testDb.db, 100);
    expect(await hours('*')).toEqual([]);
  });
});
