import {
  coverageRepository,
  cursorsRepository,
  gapsRepository,
  hashtagsRepository,
  rollupsRepository,
} from '@tagpulse/db';
import { makeAuthor, postAt, storeAndRollUp } from '@tagpulse/testkit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing/test-app.js';

let t: TestApp;
const A = makeAuthor({ id: '101', username: 'un_oct', followers: 310_000 });
const B = makeAuthor({ id: '102', username: 'b', followers: 50 });
const C = makeAuthor({ id: '103', username: 'c', followers: 7 });

const m = (likes: number, impressions: number) => ({
  likes,
  reposts: 0,
  replies: 0,
  quotes: 0,
  bookmarks: 0,
  impressions,
});
const p1 = postAt('2020-07-06T13:01:00Z', A, 'original', ['virtualctweek', 'uncctexpo', 'pve'], {
  lang: 'en',
  metrics: m(10, 1000),
});
const p2 = postAt('2020-07-06T13:02:00Z', B, 'repost', ['virtualctweek'], { lang: 'fr', metrics: m(4, 0) });
const p3 = postAt('2020-07-07T15:00:00Z', C, 'reply', ['uncctexpo', 'covid19'], {
  lang: 'es',
  metrics: m(3, 300),
});
const p4 = postAt('2020-07-05T12:00:00Z', A, 'original', ['virtualctweek'], {
  lang: 'en',
  metrics: m(1, 10),
});
// Around the New York fall-back of 2020-11-01: that day is 25 hours long.
const dst = [
  postAt('2020-11-01T03:30:00Z', A, 'original', ['virtualctweek']),
  postAt('2020-11-01T04:30:00Z', B, 'original', ['virtualctweek']),
  postAt('2020-11-02T04:30:00Z', C, 'original', ['virtualctweek']),
  postAt('2020-11-02T05:30:00Z', A, 'original', ['virtualctweek']),
];

beforeAll(async () => {
  t = await startTestApp();
  const { db } = t.testDb;
  await hashtagsRepository.addHashtag(db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
  await hashtagsRepository.addHashtag(db, { key: 'uncctexpo', display: 'UNCCTExpo' });
  const posts = [p1, p2, p3, p4, ...dst];
  await storeAndRollUp(db, posts, [A, B, C]);
});
afterAll(async () => {
  await t?.close();
});

describe('GET /v1/series', () => {
  it('gives New York days across the DST change, zero-filled, printed in the zone', async () => {
    const ask = async () =>
      (
        await t.call('GET', '/v1/series', {
          query: {
            hashtag: 'VirtualCTWeek',
            interval: '1d',
            tz: 'America/New_York',
            from: '2020-10-30T00:00:00-04:00',
            to: '2020-11-03T00:00:00-05:00',
          },
        })
      ).json();
    // The zone is new: computed from the posts while a worker back-fills its history.
    const computed = await ask();
    expect(computed).toMatchObject({
      hashtag: 'VirtualCTWeek',
      interval: '1d',
      tz: 'America/New_York',
      // No repost stored on those days: search returned none (X's 2026 index).
      definitions_version: 2,
      meta: { definitions: [{ version: 2, summary: expect.stringContaining('retweet_count') }] },
      zone: { status: 'building', build_attempts: 0 },
    });
    expect(computed.series[0].points).toEqual([
      { t: '2020-10-30T00:00:00.000-04:00', value: 0 },
      { t: '2020-10-31T00:00:00.000-04:00', value: 1 },
      { t: '2020-11-01T00:00:00.000-04:00', value: 2 },
      { t: '2020-11-02T00:00:00.000-05:00', value: 1 },
    ]);
    // What the worker's roll-up job does with a registered zone.
    expect(await rollupsRepository.buildDueZone(t.testDb.db)).toEqual({ tz: 'America/New_York' });
    expect(await ask()).toEqual({ ...computed, zone: { status: 'ready', build_attempts: 1 } });
  });

  it('gives several metrics at once for all hashtags, a post with two of them counted once', async () => {
    const res = await t.call('GET', '/v1/series', {
      query: {
        hashtag: 'all',
        metric: ['posts,unique_authors', 'engagement_rate'],
        interval: '1h',
        from: '2020-07-06T12:00:00Z',
        to: '2020-07-06T15:00:00Z',
      },
    });
    const { series } = res.json();
    expect(series.map((s: { metric: string }) => s.metric)).toEqual([
      'posts',
      'unique_authors',
      'engagement_rate',
    ]);
    expect(series[0].points.map((p: { value: number }) => p.value)).toEqual([0, 2, 0]);
    expect(series[1].points.map((p: { value: number }) => p.value)).toEqual([0, 2, 0]);
    // The repost's likes are the original's: engagements 10 over 1000 impressions; null without impressions.
    expect(series[2].points.map((p: { value: number | null }) => p.value)).toEqual([null, 0.01, null]);
  });

  it('answers CSV by format=csv or Accept: text/csv', async () => {
    const query = {
      hashtag: 'all',
      metric: 'posts,reposts',
      interval: '5m',
      from: '2020-07-06T13:00:00Z',
      to: '2020-07-06T13:10:00Z',
    };
    const byParam = await t.call('GET', '/v1/series', { query: { ...query, format: 'csv' } });
    expect(byParam.headers['content-type']).toMatch(/^text\/csv/);
    expect(byParam.body).toBe(
      '"t","posts","reposts"\r\n"2020-07-06T13:00:00.000Z",2,1\r\n"2020-07-06T13:05:00.000Z",0,0\r\n',
    );
    const byAccept = await t.call('GET', '/v1/series', { query, headers: { accept: 'text/csv' } });
    expect(byAccept.body).toBe(byParam.body);
  });
});

describe('GET /v1/summary', () => {
  it('gives the totals, the previous period of the same length and the change', async () => {
    const res = await t.call('GET', '/v1/summary', {
      query: {
        hashtag: 'virtualctweek',
        from: '2020-07-06T00:00:00Z',
        to: '2020-07-08T00:00:00Z',
        tz: 'Asia/Kolkata',
      },
    });
    const body = res.json();
    expect(body.period).toEqual({
      from: '2020-07-06T05:30:00.000+05:30',
      to: '2020-07-08T05:30:00.000+05:30',
    });
    expect(body.previous_period.from).toBe('2020-07-04T05:30:00.000+05:30');
    const byMetric = Object.fromEntries(body.metrics.map((x: { metric: string }) => [x.metric, x]));
    expect(byMetric.posts).toEqual({ metric: 'posts', value: 2, previous: 1, change: 1 });
    expect(byMetric.unique_authors).toEqual({ metric: 'unique_authors', value: 2, previous: 1, change: 1 });
    expect(byMetric.potential_reach.value).toBe(310_050);
    expect(byMetric.engagement_rate.value).toBe(0.01);
    const csv = await t.call('GET', '/v1/summary', {
      query: {
        hashtag: 'virtualctweek',
        from: '2020-07-06T00:00:00Z',
        to: '2020-07-08T00:00:00Z',
        format: 'csv',
      },
    });
    expect(csv.body.split('\r\n')[1]).toBe('"posts",2,1,1');
  });
});

describe('top posts, top authors, co-hashtags, languages', () => {
  const period = { hashtag: 'all', from: '2020-07-06T00:00:00Z', to: '2020-07-08T00:00:00Z' };

  it('ranks posts by engagements, ids as strings', async () => {
    const { posts } = (await t.call('GET', '/v1/top/posts', { query: period })).json();
    expect(posts.map((p: { id: string }) => p.id)).toEqual([p1.id, p3.id, p2.id]);
    expect(posts[0]).toMatchObject({
      kind: 'original',
      engagements: 10,
      author: { id: '101', username: 'un_oct' },
    });
    const csv = await t.call('GET', '/v1/top/posts', {
      query: { ...period, by: 'impressions', limit: '1', format: 'csv' },
    });
    expect(csv.body.split('\r\n')[1]?.startsWith(`"${p1.id}","${p1.id}",`)).toBe(true);
  });

  it('ranks authors by followers', async () => {
    const { authors } = (
      await t.call('GET', '/v1/top/authors', { query: { ...period, by: 'followers' } })
    ).json();
    expect(authors.map((a: { id: string; posts: number }) => [a.id, a.posts])).toEqual([
      ['101', 1],
      ['102', 1],
      ['103', 1],
    ]);
  });

  it('lists the other hashtags and the languages', async () => {
    const co = (
      await t.call('GET', '/v1/cohashtags', { query: { ...period, hashtag: 'VirtualCTWeek' } })
    ).json();
    expect(co.cohashtags).toEqual([
      { tag: 'pve', posts: 1 },
      { tag: 'uncctexpo', posts: 1 },
    ]);
    const langs = (await t.call('GET', '/v1/languages', { query: period })).json();
    expect(langs.languages).toEqual([
      { lang: 'en', posts: 1 },
      { lang: 'es', posts: 1 },
      { lang: 'fr', posts: 1 },
    ]);
  });
});

describe('GET /v1/posts', () => {
  const query = { hashtag: 'all', from: '2020-07-01T00:00:00Z', to: '2020-07-10T00:00:00Z' };

  it('pages newest first with a cursor, and filters', async () => {
    const first = (await t.call('GET', '/v1/posts', { query: { ...query, limit: '2' } })).json();
    expect(first.posts.map((p: { id: string }) => p.id)).toEqual([p3.id, p2.id]);
    const second = (
      await t.call('GET', '/v1/posts', { query: { ...query, limit: '2', cursor: first.next_cursor } })
    ).json();
    expect(second.posts.map((p: { id: string }) => p.id)).toEqual([p1.id, p4.id]);
    const replies = (await t.call('GET', '/v1/posts', { query: { ...query, kind: 'reply' } })).json();
    expect(replies.posts.map((p: { id: string }) => p.id)).toEqual([p3.id]);
    const bad = await t.call('GET', '/v1/posts', { query: { ...query, cursor: 'bm9wZQ' } });
    expect(bad.json().invalid_params[0].name).toBe('cursor');
  });

  it('exports NDJSON and CSV with ids as quoted strings', async () => {
    const ndjson = await t.call('GET', '/v1/posts', { query: { ...query, format: 'ndjson', limit: '3' } });
    expect(ndjson.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(ndjson.headers['x-next-cursor']).toBeDefined();
    const lines = ndjson.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => typeof l.id)).toEqual(['string', 'string', 'string']);
    const csv = await t.call('GET', '/v1/posts', { query, headers: { accept: 'text/csv' } });
    const rows = csv.body.trim().split('\r\n');
    expect(rows).toHaveLength(5);
    expect(
      rows[1]?.startsWith(`"${p3.id}","${p3.id}","2020-07-07T15:00:00.000Z","reply","es","103","c",7,3,`),
    ).toBe(true);
  });
});

describe('capture routes', () => {
  beforeAll(async () => {
    const { db } = t.testDb;
    await cursorsRepository.ensureCursor(db, {
      queryKey: 'q-virtualctweek',
      query: '#VirtualCTWeek',
      tagKeys: ['virtualctweek'],
      sinceId: null,
    });
    await gapsRepository.recordGap(db, {
      queryKey: 'q-virtualctweek',
      tagKeys: ['virtualctweek'],
      startAt: new Date('2020-07-06T00:00:00Z'),
      endAt: new Date('2020-07-06T02:00:00Z'),
      cause: 'worker_down',
      detail: 'no poll for 2 hours',
    });
    await coverageRepository.upsertCoverage(db, [
      {
        tagKey: 'virtualctweek',
        hourStart: new Date('2020-07-06T13:00:00Z'),
        captured: 2,
        xCount: 2,
        measuredAt: new Date('2020-07-06T15:00:00Z'),
      },
    ]);
  });

  it('show coverage, gaps and status in the requested zone', async () => {
    const coverage = (
      await t.call('GET', '/v1/coverage', {
        query: {
          hashtag: 'all',
          from: '2020-07-06T00:00:00Z',
          to: '2020-07-07T00:00:00Z',
          tz: 'America/New_York',
        },
      })
    ).json();
    expect(coverage.coverage).toEqual([
      {
        hashtag: 'virtualctweek',
        hour_start: '2020-07-06T09:00:00.000-04:00',
        captured: 2,
        x_count: 2,
        ratio: 1,
        measured_at: '2020-07-06T11:00:00.000-04:00',
      },
    ]);
    const gaps = (await t.call('GET', '/v1/gaps', { query: { hashtag: 'VirtualCTWeek' } })).json();
    expect(gaps.gaps).toMatchObject([
      { query: 'q-virtualctweek', cause: 'worker_down', start: '2020-07-06T00:00:00.000Z' },
    ]);
    const status = (await t.call('GET', '/v1/status')).json();
    expect(status.queries).toContainEqual(
      expect.objectContaining({ query: 'q-virtualctweek', hashtags: ['virtualctweek'], status: 'idle' }),
    );
    // Per network: the X query's gap and cursor are X's, none are Bluesky's; a bad network is a 400.
    expect(gaps.gaps[0]).toMatchObject({ network: 'x' });
    const xGaps = (await t.call('GET', '/v1/gaps', { query: { network: 'x' } })).json();
    expect(xGaps.gaps.map((g: { query: string }) => g.query)).toContain('q-virtualctweek');
    expect((await t.call('GET', '/v1/gaps', { query: { network: 'bluesky' } })).json().gaps).toEqual([]);
    const bluesky = (await t.call('GET', '/v1/status', { query: { network: 'bluesky' } })).json();
    expect(bluesky.queries).toEqual([]);
    const xStatus = (await t.call('GET', '/v1/status', { query: { network: 'x' } })).json();
    expect(xStatus.queries).toContainEqual(
      expect.objectContaining({ query: 'q-virtualctweek', network: 'x' }),
    );
    expect((await t.call('GET', '/v1/gaps', { query: { network: 'myspace' } })).statusCode).toBe(400);
  });
});
