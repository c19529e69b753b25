import { hashtagKey, SEED_HASHTAGS } from '@tagpulse/core';
import { hashtagsRepository } from '@tagpulse/db';
import { type SearchIndex, type Sim, startSim } from '@tagpulse/x-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureWindow, expectedSums, refreshDue, type TruthPostAt, truthByChain } from './testing/replay.js';
import { startTestApp, type TestApp } from './testing/test-app.js';

// The opening of Virtual CT Week captured with the clock frozen at 17:00Z, then every post's
// +24 h look-up taken a day later.
const NOW = new Date('2020-07-06T17:00:00Z');
const REFRESH_AT = new Date('2020-07-07T17:00:00Z');
const WINDOW_START = new Date('2020-07-06T04:00:00Z');
const SEARCH_END = new Date('2020-07-06T16:00:00Z');
// An edit (within 30 minutes) cannot move a post of the compared window past the search end.
const COMPARE_END = new Date('2020-07-06T15:00:00Z');
const HOURS = { from: WINDOW_START, to: COMPARE_END, stepMs: 3_600_000 };

/** A capture of the window from x-sim on one search index, into its own database. */
function replayOn(searchIndex: SearchIndex) {
  const r = {} as { t: TestApp; sim: Sim };
  beforeAll(async () => {
    r.t = await startTestApp({ now: () => NOW });
    for (const tag of SEED_HASHTAGS)
      await hashtagsRepository.addHashtag(r.t.testDb.db, { key: hashtagKey(tag), display: tag });
    r.sim = await startSim({
      scenario: 'virtual-ct-week-2020',
      seed: 7,
      speed: 0,
      start: NOW.toISOString(),
      port: 0,
      searchIndex,
    });
    const stored = await captureWindow(r.t.testDb.db, r.sim, {
      start: WINDOW_START,
      end: SEARCH_END,
      now: NOW,
    });
    expect(stored).toBeGreaterThan(100);
  }, 120_000);
  afterAll(async () => {
    await r.sim?.close();
    await r.t?.close();
  });
  return r;
}

/** The truth of a hashtag, or of all of them with each post once, in the compared window at the sim's now. */
async function truth(sim: Sim, hashtag: string): Promise<TruthPostAt[]> {
  const tags = hashtag === 'all' ? SEED_HASHTAGS : [hashtag];
  const posts = new Map<string, TruthPostAt>();
  for (const tag of tags) {
    for (const [root, p] of await truthByChain(sim, tag, { from: WINDOW_START, to: COMPARE_END })) {
      posts.set(root, p);
    }
  }
  return [...posts.values()];
}

async function series(t: TestApp, hashtag: string, metric: string) {
  const res = await t.call('GET', '/v1/series', {
    query: {
      hashtag,
      metric,
      interval: '1h',
      from: WINDOW_START.toISOString(),
      to: COMPARE_END.toISOString(),
    },
  });
  expect(res.statusCode).toBe(200);
  const body = res.json();
  return {
    values: body.series[0].points.map((p: { value: number }) => p.value) as number[],
    version: body.definitions_version as number,
    definitions: (body.meta.definitions as { version: number }[]).map((d) => d.version),
  };
}

async function summaryReposts(t: TestApp, hashtag: string) {
  const res = await t.call('GET', '/v1/summary', {
    query: { hashtag, from: WINDOW_START.toISOString(), to: COMPARE_END.toISOString() },
  });
  expect(res.statusCode).toBe(200);
  const body = res.json();
  return {
    reposts: body.metrics.find((m: { metric: string }) => m.metric === 'reposts').value as number,
    definitions: (body.meta.definitions as { version: number }[]).map((d) => d.version),
  };
}

/** A report of the window: its reposts total, the definitions it names, and its footer. */
async function report(t: TestApp) {
  const query = { from: WINDOW_START.toISOString(), to: COMPARE_END.toISOString() };
  const json = (await t.call('GET', '/v1/reports/preview', { query: { ...query, format: 'json' } })).json();
  const html = (await t.call('GET', '/v1/reports/preview', { query: { ...query, format: 'html' } })).body;
  return {
    reposts: json.totals.find((m: { metric: string }) => m.metric === 'reposts').value as number,
    definitions: json.definitions as number[],
    footer: html.match(/Metric definitions v\d[^;]*/)?.[0],
  };
}

const SCOPES = ['all', ...SEED_HASHTAGS];
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe("reposts on X's 2026 search index (search returns none)", () => {
  const r = replayOn('2026');

  it.each(SCOPES)('counts for %s the posts’ retweet_count at capture, in their own hour', async (hashtag) => {
    const posts = await truth(r.sim, hashtag);
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.some((p) => p.kind === 'repost')).toBe(false);
    const expected = expectedSums(posts, HOURS, (p) => p.retweet_count);
    expect(sum(expected)).toBeGreaterThan(0);
    expect(await series(r.t, hashtag, 'reposts')).toEqual({ values: expected, version: 2, definitions: [2] });
    expect(await summaryReposts(r.t, hashtag)).toEqual({ reposts: sum(expected), definitions: [2] });
  });

  it('names definitions 2 in its reports', async () => {
    const expected = expectedSums(await truth(r.sim, 'all'), HOURS, (p) => p.retweet_count);
    expect(await report(r.t)).toEqual({
      reposts: sum(expected),
      definitions: [2],
      footer: expect.stringContaining('v2: reposts from the posts'),
    });
  });

  it('follows the +24 h look-ups: each hour holds its posts’ retweet_count as refreshed', async () => {
    const atCapture = (await series(r.t, 'all', 'reposts')).values;
    expect(await refreshDue(r.t.testDb.db, r.sim, REFRESH_AT)).toBeGreaterThan(100);
    for (const hashtag of SCOPES) {
      const expected = expectedSums(await truth(r.sim, hashtag), HOURS, (p) => p.retweet_count);
      expect((await series(r.t, hashtag, 'reposts')).values, hashtag).toEqual(expected);
    }
    // The refresh did change what capture saw: the posts kept being reposted after it.
    expect(sum((await series(r.t, 'all', 'reposts')).values)).toBeGreaterThan(sum(atCapture));
  }, 60_000);
});

describe('reposts on the legacy search index (search returns them)', () => {
  const r = replayOn('legacy');

  it.each(SCOPES)('counts for %s the reposts captured, in their own hour', async (hashtag) => {
    const posts = await truth(r.sim, hashtag);
    const reposts = posts.filter((p) => p.kind === 'repost');
    expect(reposts.length).toBeGreaterThan(0);
    const expected = expectedSums(reposts, HOURS);
    expect(await series(r.t, hashtag, 'reposts')).toEqual({ values: expected, version: 1, definitions: [1] });
    expect((await series(r.t, hashtag, 'posts')).values).toEqual(expectedSums(posts, HOURS));
    expect(await summaryReposts(r.t, hashtag)).toEqual({ reposts: reposts.length, definitions: [1] });
  });

  it('names definitions 1 in its reports', async () => {
    const reposts = (await truth(r.sim, 'all')).filter((p) => p.kind === 'repost');
    expect(await report(r.t)).toEqual({
      reposts: reposts.length,
      definitions: [1],
      footer: expect.stringContaining('v1: reposts counted as search returned them'),
    });
  });

  it('keeps counting the captured reposts after the look-ups', async () => {
    expect(await refreshDue(r.t.testDb.db, r.sim, REFRESH_AT)).toBeGreaterThan(100);
    const reposts = (await truth(r.sim, 'all')).filter((p) => p.kind === 'repost');
    expect((await series(r.t, 'all', 'reposts')).values).toEqual(expectedSums(reposts, HOURS));
  }, 60_000);
});
