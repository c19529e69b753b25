import { touchedBuckets } from '@tagpulse/core';
import { hashtagsRepository, rollupsRepository } from '@tagpulse/db';
import { makeAuthor, makePost, NO_METRICS, postAt, storePosts } from '@tagpulse/testkit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../testing/test-app.js';

let t: TestApp;
const ON_X = makeAuthor({ id: '101', username: 'un_oct', followers: 1_000 });
const ON_MASTODON = makeAuthor({
  network: 'mastodon',
  id: 'https://mastodon.social/users/unoct',
  username: 'unoct@mastodon.social',
  followers: 40,
});

/** X posts and Mastodon statuses in the report's day (6 July) and the day before. */
function world() {
  const posts = [];
  for (const [day, n] of [
    ['2020-07-05', 2],
    ['2020-07-06', 3],
  ] as const) {
    for (let i = 0; i < n; i++) {
      const at = `${day}T1${i}:00:00Z`;
      posts.push(
        postAt(at, ON_X, 'original', ['virtualctweek'], {
          metrics: { ...NO_METRICS, likes: 10 + i, impressions: 200 * (i + 1) },
        }),
      );
      const uri = `${ON_MASTODON.id}/statuses/${Date.parse(at)}`;
      posts.push(
        makePost({
          network: 'mastodon',
          id: uri,
          editRootId: uri,
          conversationId: null,
          authorId: ON_MASTODON.id,
          createdAt: new Date(Date.parse(at) + 60_000),
          metrics: { ...NO_METRICS, likes: 30 + i, reposts: 2, impressions: null },
          raw: { uri },
        }),
      );
    }
  }
  return posts;
}

beforeAll(async () => {
  t = await startTestApp();
  const { db } = t.testDb;
  await hashtagsRepository.addHashtag(db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
  const posts = world();
  await storePosts(db, posts, [ON_X, ON_MASTODON]);
  await rollupsRepository.recomputeTouched(db, touchedBuckets(posts));
});
afterAll(async () => {
  await t?.close();
});

const period = { hashtag: 'VirtualCTWeek', from: '2020-07-06T00:00:00Z', to: '2020-07-07T00:00:00Z' };

async function summary(network: string) {
  const res = await t.call('GET', '/v1/summary', { query: { ...period, network } });
  expect(res.statusCode).toBe(200);
  return res.json().metrics;
}

describe('a report over several networks', () => {
  it("has a section per network and the total, each equal to the summary's figures", async () => {
    const res = await t.call('GET', '/v1/reports/preview', { query: { ...period, format: 'json' } });
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report.totals).toEqual(await summary('all'));
    expect(report.networks.map((n: { network: string }) => n.network)).toEqual(['x', 'mastodon']);
    for (const section of report.networks) expect(section.totals).toEqual(await summary(section.network));
    const mastodon = report.networks[1];
    expect(mastodon.missing).toEqual(['impressions', 'engagement_rate', 'quotes']);
    const value = (m: string) => mastodon.totals.find((x: { metric: string }) => x.metric === m);
    expect(value('posts')).toMatchObject({ value: 3, previous: 2 });
    expect(value('impressions')).toMatchObject({ value: null, previous: null });
    expect(report.partial_metrics).toMatchObject({ impressions: ['x'], engagement_rate: ['x'] });

    // What Mastodon does not publish is said, never shown as 0.
    const html = (await t.call('GET', '/v1/reports/preview', { query: { ...period, format: 'html' } })).body;
    expect(html).toContain('Totals, all networks');
    expect(html).toContain('On X');
    expect(html).toContain('On Mastodon');
    const onMastodon = html.slice(html.indexOf('On Mastodon'));
    expect(onMastodon).toMatch(/impressions<\/td><td[^>]*><i>not available on Mastodon<\/i>/);
    expect(report.top_posts.map((p: { url: string }) => p.url)).toContain(
      `${ON_MASTODON.id}/statuses/${Date.parse('2020-07-06T12:00:00Z')}`,
    );
  });
});
