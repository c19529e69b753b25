import type { Author, Post } from '@tagpulse/core';
import {
  createTestDatabase,
  makeAuthor,
  NO_METRICS,
  postAt,
  storeAndRollUp,
  storedBucket,
  type TestDatabase,
} from '@tagpulse/testkit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHashtag } from './hashtags.repository.js';
import { recomputeOutdated } from './rollups.repository.js';
import {
  periodDefinitionVersions,
  searchIndexMode,
  setSearchIndexMode,
} from './rollups-definitions.repository.js';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
  await addHashtag(testDb.db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
});
afterAll(async () => {
  await testDb?.drop();
});

const A = makeAuthor({ id: '201', username: 'a', followers: 100 });
const B = makeAuthor({ id: '202', username: 'b', followers: 1_000 });
const C = makeAuthor({ id: '203', username: 'c', followers: 10 });

function post(at: string, author: Author, kind: Post['kind'], reposts: number): Post {
  return postAt(at, author, kind, ['virtualctweek'], { metrics: { ...NO_METRICS, reposts } });
}

const store = (posts: Post[]) => storeAndRollUp(testDb.db, posts, [A, B, C]);

/** The stored UTC hour at `at` of all hashtags, with the definitions it follows. */
async function hour(at: string) {
  const t = new Date(at);
  const values = await storedBucket(testDb.db, {
    scope: '*',
    grain: '1h',
    tz: 'UTC',
    at: t,
    metrics: ['posts', 'reposts', 'unique_authors', 'potential_reach'],
  });
  const versions = await periodDefinitionVersions(testDb.db, {
    scope: '*',
    from: t,
    to: new Date(t.getTime() + 3_600_000),
  });
  return { ...values, versions };
}

// 7 July: search returned no repost (X's 2026 index). 8 July: it returned one (legacy), late.
const july7 = [post('2020-07-07T10:01:00Z', A, 'original', 4), post('2020-07-07T10:30:00Z', B, 'reply', 3)];
const july8 = [post('2020-07-08T10:01:00Z', A, 'original', 6), post('2020-07-08T11:10:00Z', B, 'quote', 2)];
const july8Repost = post('2020-07-08T11:40:00Z', C, 'repost', 6);

describe('repost counting by the search index observed', () => {
  it('counts the posts’ retweet_count on a day search returned no repost (definitions 2)', async () => {
    await store(july7);
    expect(await hour('2020-07-07T10:00:00Z')).toEqual({
      posts: 2,
      reposts: 7,
      unique_authors: 2,
      potential_reach: 1_100,
      versions: [2],
    });
  });

  it('counts captured reposts on a day search returned one, its earlier buckets included (definitions 1)', async () => {
    await store(july8);
    expect(await hour('2020-07-08T10:00:00Z')).toMatchObject({ reposts: 6, versions: [2] });
    // The day's first repost comes later, in another hour: the whole day now follows definitions 1.
    await store([july8Repost]);
    expect(await hour('2020-07-08T10:00:00Z')).toEqual({
      posts: 1,
      reposts: 0,
      unique_authors: 1,
      potential_reach: 100,
      versions: [1],
    });
    expect(await hour('2020-07-08T11:00:00Z')).toMatchObject({ posts: 2, reposts: 1, unique_authors: 2 });
    // The other day is not touched by it.
    expect(await hour('2020-07-07T10:00:00Z')).toMatchObject({ reposts: 7, versions: [2] });
  });

  it('says a period across both days mixes both definitions', async () => {
    const versions = await periodDefinitionVersions(testDb.db, {
      scope: '*',
      from: new Date('2020-07-07T00:00:00Z'),
      to: new Date('2020-07-09T00:00:00Z'),
    });
    expect(versions).toEqual([1, 2]);
  });

  it('follows a forced mode over the whole history once a worker starts with it', async () => {
    expect(await searchIndexMode(testDb.db)).toBe('auto');
    await setSearchIndexMode(testDb.db, '2026');
    expect(await recomputeOutdated(testDb.db)).toBeGreaterThan(0);
    // The stored repost is left out: the hour holds what X's 2026 search returns.
    expect(await hour('2020-07-08T11:00:00Z')).toEqual({
      posts: 1,
      reposts: 2,
      unique_authors: 1,
      potential_reach: 1_000,
      versions: [2],
    });
    await setSearchIndexMode(testDb.db, 'legacy');
    expect(await recomputeOutdated(testDb.db)).toBeGreaterThan(0);
    expect(await hour('2020-07-07T10:00:00Z')).toMatchObject({ posts: 2, reposts: 0, versions: [1] });
    await setSearchIndexMode(testDb.db, 'auto');
    expect(await recomputeOutdated(testDb.db)).toBeGreaterThan(0);
    expect(await recomputeOutdated(testDb.db)).toBe(0);
    expect(await hour('2020-07-07T10:00:00Z')).toMatchObject({ reposts: 7, versions: [2] });
    expect(await hour('2020-07-08T11:00:00Z')).toMatchObject({ reposts: 1, versions: [1] });
  });
});
