// Over 300 lines on purpose: each X endpoint the client calls, against x-sim, in one file.
import { compareIds, hashtagKey } from '@tagpulse/core';
import { type Sim, type SimOptions, startSim, type TruthPost } from '@tagpulse/x-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type XAuthError,
  XError,
  type XInvalidRequestError,
  XRateLimitedError,
  XTransientError,
  XUsageCappedError,
} from './errors.js';
import { createXApi, type XApi } from './x-api.js';

// The real twitter-api-v2 client over HTTP against x-sim; nothing is stubbed.
const TOKEN = 'int-test-bearer-7f3a';
/** Day 3 of the week, 10:00 in New York: two days of posts, and the CT Expo under way for the next hours. */
const NOW = '2020-07-08T14:00:00.000Z';
const HASHTAG = 'UNCCTExpo';
const observedAt = new Date(NOW);

const sims: Sim[] = [];
async function sim(options: Partial<SimOptions> = {}): Promise<{ sim: Sim; api: XApi }> {
  const s = await startSim({
    scenario: 'virtual-ct-week-2020',
    seed: 7,
    speed: 0,
    start: NOW,
    port: 0,
    ...options,
  });
  sims.push(s);
  return { sim: s, api: createXApi({ bearerToken: TOKEN, baseUrl: s.url }) };
}
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

async function truth(s: Sim, hashtag: string): Promise<TruthPost[]> {
  const res = await fetch(`${s.url}/__sim/truth/posts?hashtag=${hashtag}`);
  const body = (await res.json()) as { data: TruthPost[] };
  return body.data;
}

/** What search can return now: live, searchable, created before X's 30-second lag. */
function searchable(posts: TruthPost[], now: number, sinceId?: string): string[] {
  return posts
    .filter(
      (p) => !p.deleted_at && Date.parse(p.searchable_at) <= now && Date.parse(p.created_at) < now - 30_000,
    )
    .filter((p) => sinceId === undefined || compareIds(p.id, sinceId) > 0)
    .map((p) => p.id);
}

/** Every page of one query, each request made by the caller as the poller will. */
async function sweep(api: XApi, query: string, sinceId?: string) {
  const pages = [];
  let nextToken: string | undefined;
  do {
    const page = await api.searchPage({ query, sinceId, nextToken }, observedAt);
    pages.push(page);
    nextToken = page.nextToken;
  } while (nextToken);
  return pages;
}

async function failure(promise: Promise<unknown>): Promise<XError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(XError);
  expect((err as Error).message).not.toContain(TOKEN);
  expect((err as Error).stack ?? '').not.toContain(TOKEN);
  return err as XError;
}

describe('against x-sim', () => {
  let s: Sim;
  let api: XApi;
  beforeAll(async () => {
    // The legacy index still returns reposts, whose hashtags come from their originals.
    ({ sim: s, api } = await sim({ searchIndex: 'legacy' }));
  });

  it('pages search with next_token and finds exactly what x-sim says is searchable', async () => {
    const pages = await sweep(api, `#${HASHTAG}`);
    expect(pages.length).toBeGreaterThan(1);
    const ids = pages.flatMap((p) => p.posts.map((post) => post.id));
    expect(pages.flatMap((p) => p.rejected)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(searchable(await truth(s, HASHTAG), Date.parse(NOW)).sort());

    for (const page of pages) {
      expect(page.resultCount).toBe(page.posts.length);
      expect(page.rateLimit).toMatchObject({ limit: 450 });
      const authorIds = new Set(page.authors.map((a) => a.id));
      for (const post of page.posts) {
        // Reposts count through their original's hashtags, which x-sim matches too.
        expect(post.hashtags).toContain(hashtagKey(HASHTAG));
        expect(authorIds.has(post.authorId)).toBe(true);
        expect(compareIds(post.id, page.newestId!)).toBeLessThanOrEqual(0);
        expect(compareIds(post.id, page.oldestId!)).toBeGreaterThanOrEqual(0);
      }
    }
    const kinds = new Set(pages.flatMap((p) => p.posts.map((post) => post.kind)));
    expect([...kinds].sort()).toEqual(['original', 'quote', 'reply', 'repost']);
    expect(pages.at(-1)?.nextToken).toBeUndefined();
  });

  it('dates edited posts by their chain root', async () => {
    const posts = (await sweep(api, '#VirtualCTWeek')).flatMap((p) => p.posts);
    const edited = posts.filter((p) => p.id !== p.editRootId);
    expect(edited.length).toBeGreaterThan(0);
    for (const post of edited) {
      expect(post.createdAt.getTime()).toBeLessThan(
        new Date((post.raw as { created_at: string }).created_at).getTime(),
      );
    }
  });

  it('polls with since_id: only posts newer than the cursor, across pages', async () => {
    const [first] = await sweep(api, `#${HASHTAG}`);
    const cursor = first!.newestId!;
    s.clock.set(Date.parse(NOW) + 3 * 3_600_000);
    try {
      const pages = await sweep(api, `#${HASHTAG}`, cursor);
      const ids = pages.flatMap((p) => p.posts.map((post) => post.id));
      expect(ids.length).toBeGreaterThan(100);
      expect(ids.every((id) => compareIds(id, cursor) > 0)).toBe(true);
      expect(ids.sort()).toEqual(searchable(await truth(s, HASHTAG), s.clock.now(), cursor).sort());
    } finally {
      s.clock.set(Date.parse(NOW));
    }
  });

  it('reads counts in ascending hourly buckets', async () => {
    const end = new Date(Date.parse(NOW) - 3_600_000);
    const start = new Date(end.getTime() - 24 * 3_600_000);
    const counts = await api.counts(`#${HASHTAG}`, { startTime: start, endTime: end, granularity: 'hour' });
    expect(counts.buckets).toHaveLength(24);
    expect(counts.buckets[0]?.start).toEqual(start);
    expect(counts.buckets.at(-1)?.end).toEqual(end);
    expect(counts.buckets.reduce((n, b) => n + b.count, 0)).toBe(counts.total);
    expect(counts.total).toBeGreaterThan(0);
    expect(counts.rateLimit?.limit).toBe(300);
  });

  it('looks up posts and reports deleted ones as missing', async () => {
    const all = await truth(s, HASHTAG);
    const deleted = all.filter((p) => p.deleted_at).slice(0, 3);
    const live = all.filter((p) => !p.deleted_at).slice(0, 5);
    expect(deleted).toHaveLength(3);
    const never = '1280000000000000000';
    const result = await api.lookup(
      [...live.map((p) => p.id), ...deleted.map((p) => p.id), never],
      observedAt,
    );
    expect(result.posts.map((p) => p.id).sort()).toEqual(live.map((p) => p.id).sort());
    expect(result.rejected).toEqual([]);
    expect(result.missing.sort((a, b) => compareIds(a.id, b.id))).toEqual(
      [...deleted.map((p) => p.id), never].sort(compareIds).map((id) => ({ id, reason: 'deleted' })),
    );
    expect(result.rateLimit?.limit).toBe(3_500); // pay-per-use's look-up window
  });

  it('classifies a 400 with the parameters X named', async () => {
    const err = await failure(api.searchPage({ query: `#${HASHTAG}`, maxResults: 5 }, observedAt));
    expect(err.kind).toBe('invalid-request');
    expect((err as XInvalidRequestError).parameters).toEqual(['max_results']);
  });

  it('classifies a since_id older than the search window as an invalid request', async () => {
    const err = await failure(
      api.searchPage({ query: `#${HASHTAG}`, sinceId: '1000000000000000000' }, observedAt),
    );
    expect((err as XInvalidRequestError).parameters).toEqual(['since_id']);
  });
});

const WEEK_QUERY = '(#UNCCTExpo OR #UNiteToCounterTerrorism OR #VirtualCTWeek)';

describe('the full archive', () => {
  it('pages search/all at 500 a request, one request per second, and counts/all agrees', async () => {
    // After the week, on the 2026 index: what the archive holds of the seed hashtags that week.
    const { sim: s, api } = await sim({ start: '2020-07-20T00:00:00.000Z' });
    const range = { startTime: new Date('2020-07-06T00:00:00Z'), endTime: new Date('2020-07-13T00:00:00Z') };
    const ids: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await api.searchPage(
        { query: WEEK_QUERY, ...range, maxResults: 500, archive: true, nextToken },
        observedAt,
      );
      expect(page.resultCount).toBeLessThanOrEqual(500);
      ids.push(...page.posts.map((p) => p.id));
      nextToken = page.nextToken;
      pages += 1;
      s.clock.set(s.clock.now() + 1_000); // the archive's 1 request per second, on the sim clock
    } while (nextToken);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(ids).size).toBe(ids.length);
    const counts = await api.counts(WEEK_QUERY, { ...range, granularity: 'day', archive: true });
    expect(counts.buckets).toHaveLength(7);
    expect(counts.nextToken).toBeUndefined();
    expect(counts.total).toBe(ids.length);
  });
});

describe('field dialects and empty pages', () => {
  it('learns from X’s 400 that the server speaks the post dialect, says so once, and reads the same posts', async () => {
    const { sim: tweetSim, api: tweetApi } = await sim();
    const { sim: postSim } = await sim({ dialect: 'post' });
    const told: string[] = [];
    const api = createXApi({
      bearerToken: TOKEN,
      baseUrl: postSim.url,
      onDialectChange: (dialect, rejected) => told.push(`${dialect}:${rejected}`),
    });
    expect(api.dialect).toBe('tweet');
    const strip = (pages: Awaited<ReturnType<typeof sweep>>) =>
      pages.flatMap((p) => p.posts.map(({ raw: _, ...post }) => post)).sort((a, b) => compareIds(a.id, b.id));
    const inPost = await sweep(api, `#${HASHTAG}`);
    expect(told).toEqual(['post:tweet.fields,expansions']);
    expect(api.dialect).toBe('post');
    expect(inPost.flatMap((p) => p.rejected)).toEqual([]);
    expect(strip(inPost)).toEqual(strip(await sweep(tweetApi, `#${HASHTAG}`)));
    // The posts' authors read alike (v2.167 cannot expand a referenced post's author, so the
    // included users of the two dialects differ by those); counts and look-ups too, and the dialect
    // is not learnt twice.
    const authors = (pages: Awaited<ReturnType<typeof sweep>>) => {
      const byId = new Map(
        pages.flatMap((p) => p.authors.map(({ observedAt: _, ...a }) => [a.id, a] as const)),
      );
      const ids = [...new Set(pages.flatMap((p) => p.posts.map((post) => post.authorId)))].sort(compareIds);
      return ids.map((id) => byId.get(id));
    };
    expect(authors(inPost)).toEqual(authors(await sweep(tweetApi, `#${HASHTAG}`)));
    const range = {
      startTime: new Date(Date.parse(NOW) - 6 * 3_600_000),
      endTime: new Date(Date.parse(NOW) - 3_600_000),
    };
    expect((await api.counts(`#${HASHTAG}`, range)).total).toBe(
      (await tweetApi.counts(`#${HASHTAG}`, range)).total,
    );
    const ids = inPost[0]!.posts.slice(0, 5).map((p) => p.id);
    expect((await api.lookup(ids, observedAt)).posts.map((p) => p.id).sort()).toEqual([...ids].sort());
    expect(told).toHaveLength(1);
    expect(tweetSim).toBeDefined();
  });

  it('reads the emulator’s empty page ("newest_id": "") as an empty page', async () => {
    const { api } = await sim({ emptyPage: 'emulator' });
    const page = await api.searchPage({ query: '#NoSuchHashtagAnywhere' }, observedAt);
    expect(page).toMatchObject({
      posts: [],
      rejected: [],
      newestId: undefined,
      oldestId: undefined,
      resultCount: 0,
    });
  });
});

describe('failures from x-sim', () => {
  it('classifies a spent rate window as rate limited, with the reset X sent', async () => {
    const { api } = await sim({ rateLimits: { search: 1 } });
    const ok = await api.searchPage({ query: `#${HASHTAG}` }, observedAt);
    expect(ok.rateLimit?.remaining).toBe(0);
    const err = await failure(api.searchPage({ query: `#${HASHTAG}` }, observedAt));
    expect(err).toBeInstanceOf(XRateLimitedError);
    expect((err as XRateLimitedError).resetAt).toEqual(ok.rateLimit?.resetAt);
  });

  it('classifies the monthly cap as usage capped, not rate limited', async () => {
    const { api } = await sim({ usageCap: 5 });
    await api.searchPage({ query: `#${HASHTAG}` }, observedAt);
    const err = await failure(api.searchPage({ query: `#${HASHTAG}` }, observedAt));
    expect(err).toBeInstanceOf(XUsageCappedError);
  });

  it('classifies a wrong token as an auth error without echoing it', async () => {
    const { api } = await sim({ bearerToken: 'the-right-token' });
    const err = await failure(api.searchPage({ query: `#${HASHTAG}` }, observedAt));
    expect(err.kind).toBe('auth');
    expect((err as XAuthError).status).toBe(401);
  });

  it.each([
    ['a 503', { unavailable: 1 }, /^X answered 503/],
    ['a dropped connection', { drop: 1 }, /^X request failed before a response/],
    ['a truncated body', { truncate: 1 }, /^X response was cut off or unreadable/],
  ])('classifies %s as transient', async (_name, faults, message) => {
    const { api } = await sim({ faults });
    const err = await failure(api.searchPage({ query: `#${HASHTAG}` }, observedAt));
    expect(err).toBeInstanceOf(XTransientError);
    expect(err.message).toMatch(message);
    await failure(api.lookup(['1280000000000000000'], observedAt));
    await failure(api.counts(`#${HASHTAG}`));
  });
});
