import { describe, expect, it } from 'vitest';
import { backfillProgress, parseBackfillSpec } from './backfill.js';

describe('parseBackfillSpec', () => {
  it('packs the hashtags into one search, keys folded and sorted, spellings kept', () => {
    const r = parseBackfillSpec({
      hashtags: ['#VirtualCTWeek', 'UNCCTExpo', 'virtualctweek'],
      from: '2020-07-06T00:00:00-04:00',
      to: '2020-07-13T04:00:00Z',
      maxUsd: 10,
    });
    expect(r).toEqual({
      ok: true,
      spec: {
        query: '(#UNCCTExpo OR #virtualctweek)',
        tagKeys: ['uncctexpo', 'virtualctweek'],
        from: new Date('2020-07-06T04:00:00Z'),
        to: new Date('2020-07-13T04:00:00Z'),
        maxUsd: 10,
        estimateOnly: false,
      },
    });
  });

  it.each([
    [{ hashtags: [], from: '2020-07-06T00:00:00Z', to: '2020-07-07T00:00:00Z' }, 'hashtags'],
    [{ hashtags: ['a b'], from: '2020-07-06T00:00:00Z', to: '2020-07-07T00:00:00Z' }, 'hashtags'],
    [{ hashtags: ['a'], from: '2020-07-06', to: '2020-07-07T00:00:00Z' }, 'from'],
    [{ hashtags: ['a'], from: '2020-07-06T00:00:00Z', to: '2020-07-06T00:00:00Z' }, 'to'],
    [{ hashtags: ['a'], from: '2006-03-20T00:00:00Z', to: '2020-07-06T00:00:00Z' }, 'from'],
    [{ hashtags: ['a'], from: '2020-07-06T00:00:00Z', to: '2020-07-07T00:00:00Z', maxUsd: -1 }, 'max_usd'],
  ])('refuses %j naming %s', (input, param) => {
    const r = parseBackfillSpec(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.param).toBe(param);
  });
});

describe('backfillProgress', () => {
  const estimate = { posts: 1198, requests: 4 };
  it('counts posts done of estimated and the pages left at one a second', () => {
    expect(
      backfillProgress({ status: 'running', estimate, countsRequests: 1, pages: 1, postsStored: 500 }),
    ).toEqual({ postsDone: 500, postsEstimated: 1198, fraction: 0.4174, etaSeconds: 2 });
  });
  it('is whole when done, unknown before the estimate', () => {
    expect(
      backfillProgress({ status: 'done', estimate, countsRequests: 1, pages: 3, postsStored: 1190 }),
    ).toMatchObject({ fraction: 1, etaSeconds: 0 });
    expect(
      backfillProgress({ status: 'estimating', estimate: null, countsRequests: 0, pages: 0, postsStored: 0 }),
    ).toEqual({ postsDone: 0, postsEstimated: null, fraction: null, etaSeconds: null });
  });
});
