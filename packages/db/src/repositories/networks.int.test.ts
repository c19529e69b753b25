import { type Author, type Post, touchedBuckets } from '@tagpulse/core';
import {
  createTestDatabase,
  makeAuthor,
  makePost,
  NO_METRICS,
  storePosts,
  type TestDatabase,
} from '@tagpulse/testkit/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHashtag } from './hashtags.repository.js';
import { periodTotals, topAuthors, topPosts } from './insights.repository.js';
import { ALL_SCOPE, readSeries, recomputeTouched } from './rollups.repository.js';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
  await addHashtag(testDb.db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
});
afterAll(async () => {
  await testDb?.drop();
});

// The same organisation on X and on Mastodon: two authors, one per network.
const ON_X = makeAuthor({ id: '101', username: 'unoct', followers: 1_000 });
const ON_MASTODON = makeAuthor({
  network: 'mastodon',
  id: 'https://mastodon.social/users/unoct',
  username: 'unoct',
  followers: 50,
});
const OTHER_ON_MASTODON = makeAuthor({
  network: 'mastodon',
  id: 'https://un.example/users/ctweek',
  username: 'ctweek',
  followers: 7,
});

function xPost(at: string, likes: number, impressions: number): Post {
  return makePost({
    createdAt: new Date(at),
    lowBits: Math.floor(Date.parse(at) / 1000) % 1000,
    authorId: ON_X.id,
    metrics: { ...NO_METRICS, likes, impressions },
  });
}

function mastodonPost(at: string, author: Author, n: number, likes: number): Post {
  const uri = `${author.id}/statuses/${n}`;
  return makePost({
    network: 'mastodon',
    id: uri,
    editRootId: uri,
    conversationId: null,
    createdAt: new Date(at),
    authorId: author.id,
    metrics: { ...NO_METRICS, likes, impressions: null },
    raw: { uri },
  });
}

const HOUR = { from: new Date('2020-07-06T14:00:00Z'), to: new Date('2020-07-06T15:00:00Z') };

describe('networks', () => {
  beforeAll(async () => {
    const posts = [
      xPost('2020-07-06T14:01:00Z', 3, 100),
      xPost('2020-07-06T14:02:00Z', 1, 40),
      mastodonPost('2020-07-06T14:03:00Z', ON_MASTODON, 1, 5),
      mastodonPost('2020-07-06T14:04:00Z', OTHER_ON_MASTODON, 2, 2),
      mastodonPost('2020-07-06T14:05:00Z', OTHER_ON_MASTODON, 3, 0),
    ];
    await storePosts(testDb.db, posts, [ON_X, ON_MASTODON, OTHER_ON_MASTODON]);
    await recomputeTouched(testDb.db, touchedBuckets(posts));
  });

  it('refuses an id whose form is another network’s', async () => {
    const wrong = makePost({ network: 'mastodon', createdAt: new Date('2020-07-06T14:09:00Z') });
    await expect(storePosts(testDb.db, [wrong], [])).rejects.toThrow(/posts_network_of_id/);
  });

  it('stores posts without impressions where the network counts no views, with readings due on every network', async () => {
    const { rows } = await sql<{
      network: string;
      impression_count: number | null;
      refresh_due_at: Date | null;
    }>`
      select network, impression_count, refresh_due_at from posts order by created_at`.execute(testDb.db);
    expect(rows.map((r) => [r.network, r.impression_count])).toEqual([
      ['x', 100],
      ['x', 40],
      ['mastodon', null],
      ['mastodon', null],
      ['mastodon', null],
    ]);
    expect(rows.every((r) => r.refresh_due_at !== null)).toBe(true);
  });

  it('rolls each network up on its own, and all networks as their sum, authors never merged', async () => {
    const read = (network: '*' | 'x' | 'mastodon' | 'bluesky') =>
      readSeries(testDb.db, { scope: ALL_SCOPE, network, grain: '1h', tz: 'UTC', ...HOUR }).then((s) =>
        s.get(HOUR.from.getTime()),
      );
    expect(await read('x')).toMatchObject({
      posts: 2,
      unique_authors: 1,
      potential_reach: 1_000,
      impressions: 140,
    });
    expect(await read('mastodon')).toMatchObject({
      posts: 3,
      unique_authors: 2,
      potential_reach: 57,
      engagements: 7,
    });
    // The same organisation on two networks is two authors.
    expect(await read('*')).toMatchObject({
      posts: 5,
      unique_authors: 3,
      potential_reach: 1_057,
      engagements: 11,
    });
    // A network without posts costs no rows.
    expect(await read('bluesky')).toBeUndefined();
  });

  it('gives period totals, top posts and top authors per network', async () => {
    const range = { scope: ALL_SCOPE, tags: ['virtualctweek'], ...HOUR };
    expect(await periodTotals(testDb.db, { ...range, network: 'mastodon' })).toMatchObject({
      posts: 3,
      unique_authors: 2,
      potential_reach: 57,
    });
    expect(await periodTotals(testDb.db, range)).toMatchObject({ posts: 5, unique_authors: 3 });
    const top = await topPosts(testDb.db, { ...range, network: 'mastodon' }, { by: 'engagements', limit: 2 });
    expect(top.map((p) => p.id)).toEqual([
      'https://mastodon.social/users/unoct/statuses/1',
      'https://un.example/users/ctweek/statuses/2',
    ]);
    // Ranked by impressions over all networks, posts without any come last, never first.
    const byImpressions = await topPosts(testDb.db, range, { by: 'impressions', limit: 5 });
    expect(byImpressions.map((p) => p.impressions)).toEqual([100, 40]);
    const authors = await topAuthors(testDb.db, { ...range, network: 'x' }, { by: 'engagements', limit: 5 });
    expect(authors.map((a) => a.id)).toEqual([ON_X.id]);
  });
});
