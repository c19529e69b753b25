import { touchedBuckets } from '@tagpulse/core';
import { hashtagsRepository, rollupsRepository } from '@tagpulse/db';
import { makeAuthor, makePost, postAt, storePosts } from '@tagpulse/testkit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing/test-app.js';

let t: TestApp;
const ON_X = makeAuthor({ id: '101', username: 'un_oct', followers: 1_000 });
const ON_MASTODON = makeAuthor({
  network: 'mastodon',
  id: 'https://mastodon.social/users/unoct',
  username: 'unoct@mastodon.social',
  followers: 40,
});
const xPost = postAt('2020-07-06T13:01:00Z', ON_X, 'original', ['virtualctweek'], {
  metrics: { likes: 10, reposts: 0, replies: 0, quotes: 0, bookmarks: 0, impressions: 200 },
});
const uri = 'https://mastodon.social/users/unoct/statuses/6946400392192000001';
const status = makePost({
  network: 'mastodon',
  id: uri,
  editRootId: uri,
  conversationId: null,
  authorId: ON_MASTODON.id,
  createdAt: new Date('2020-07-06T13:02:00Z'),
  metrics: { likes: 30, reposts: 0, replies: 0, quotes: 0, bookmarks: 0, impressions: null },
});
const period = { hashtag: 'VirtualCTWeek', from: '2020-07-06T13:00:00Z', to: '2020-07-06T14:00:00Z' };

beforeAll(async () => {
  t = await startTestApp();
  const { db } = t.testDb;
  await hashtagsRepository.addHashtag(db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
  await storePosts(db, [xPost, status], [ON_X, ON_MASTODON]);
  await rollupsRepository.recomputeTouched(db, touchedBuckets([xPost, status]));
});
afterAll(async () => {
  await t?.close();
});

async function summary(network?: string) {
  const res = await t.call('GET', '/v1/summary', { query: { ...period, ...(network ? { network } : {}) } });
  expect(res.statusCode).toBe(200);
  const body = res.json();
  return { body, value: (m: string) => body.metrics.find((x: { metric: string }) => x.metric === m)?.value };
}

describe('network=', () => {
  it('sums every network by default, authors never merged, the engagement rate from the network with views', async () => {
    const { body, value } = await summary();
    expect(body.network).toBe('all');
    expect([value('posts'), value('unique_authors'), value('potential_reach')]).toEqual([2, 2, 1_040]);
    expect(value('impressions')).toBe(200);
    // 10 engagements on 200 views: the Mastodon status's 30 favourites are no views' engagements.
    expect(value('engagement_rate')).toBe(0.05);
    expect(body.meta.partial_metrics).toMatchObject({ impressions: ['x'], engagement_rate: ['x'] });
  });

  it('gives one network, null (never 0) for what it does not publish', async () => {
    const { body, value } = await summary('mastodon');
    expect([value('posts'), value('engagements'), value('impressions'), value('engagement_rate')]).toEqual([
      1,
      30,
      null,
      null,
    ]);
    expect(body.meta.missing_metrics).toEqual(['impressions', 'engagement_rate', 'quotes']);
    const series = (
      await t.call('GET', '/v1/series', {
        query: { ...period, network: 'mastodon', metric: 'posts,impressions', interval: '1h' },
      })
    ).json();
    expect(series.series.map((s: { points: { value: unknown }[] }) => s.points[0]?.value)).toEqual([1, null]);
    const x = (await t.call('GET', '/v1/top/posts', { query: { ...period, network: 'x' } })).json();
    expect(x.posts.map((p: { id: string }) => p.id)).toEqual([xPost.id]);
  });

  it('pages the posts of a network whose ids are URIs', async () => {
    const first = (await t.call('GET', '/v1/posts', { query: { ...period, limit: '1' } })).json();
    expect(first.posts[0].id).toBe(uri);
    expect(first.posts[0].metrics.impressions).toBeNull();
    const next = (
      await t.call('GET', '/v1/posts', { query: { ...period, limit: '1', cursor: first.next_cursor } })
    ).json();
    expect(next.posts.map((p: { id: string }) => p.id)).toEqual([xPost.id]);
  });

  it('refuses an unknown network with a 400 naming it', async () => {
    const res = await t.call('GET', '/v1/summary', { query: { ...period, network: 'myspace' } });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('network');
  });
});
