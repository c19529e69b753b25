import { createTestDatabase, makeAuthor, makePost, type TestDatabase } from '@tagpulse/testkit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GapCause } from '../database.js';
import {
  type BackfillRow,
  backfillQueryKey,
  createBackfill,
  fillGaps,
  getBackfill,
  pageAdvance,
  saveEstimate,
} from './backfills.repository.js';
import { listGaps, recordGap } from './gaps.repository.js';
import { storePage } from './page-store.repository.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const FROM = new Date('2020-07-06T04:00:00Z');
const TO = new Date('2020-07-13T04:00:00Z');
const AT = new Date('2020-07-20T00:00:00Z');
const prices = { postRead: 0.005, userRead: 0, countsRequest: 0, emptyRequest: 0 };

async function running(): Promise<BackfillRow> {
  const b = await createBackfill(t.db, {
    query: '(#UNCCTExpo OR #VirtualCTWeek)',
    tagKeys: ['uncctexpo', 'virtualctweek'],
    from: FROM,
    to: TO,
    maxUsd: null,
    estimateOnly: false,
  });
  expect(b.status).toBe('estimating');
  const estimate = { posts: 2, requests: 2, usd: 0.02, seconds: 1, countsRequests: 1 };
  expect(await saveEstimate(t.db, b.id, { ...estimate, status: 'running', error: null, at: AT })).toBe(true);
  // An estimate is saved once: a second run's finds it done.
  expect(await saveEstimate(t.db, b.id, { ...estimate, status: 'refused', error: 'x', at: AT })).toBe(false);
  return (await getBackfill(t.db, b.id))!;
}

describe('a back-fill page through the page store', () => {
  it('is stored once when two runs store it from the same cursor, and X’s bill of both is kept', async () => {
    const b = await running();
    const post = makePost({ createdAt: new Date('2020-07-08T13:00:00Z'), hashtags: ['virtualctweek'] });
    const page = (seenAt: Date) =>
      storePage(t.db, {
        posts: [post],
        authors: [makeAuthor()],
        rejected: 1,
        seenAt,
        spend: {
          at: seenAt,
          endpoint: 'search/all',
          purpose: 'backfill',
          queryKey: backfillQueryKey(b.id),
          tagKeys: b.tagKeys,
          postIds: [post.id],
          userIds: [],
          countsRequests: 0,
          prices,
        },
        cursor: { advance: pageAdvance(b.id, b.version, { nextToken: 'next-1', stored: 1, rejected: 1 }) },
      });
    expect(await page(AT)).toEqual({ committed: true, posts: 1 });
    // The same page the next UTC day (X bills it again): the stale cursor drops it.
    expect(await page(new Date('2020-07-21T00:00:00Z'))).toEqual({
      committed: false,
      reason: 'stale-cursor',
    });
    const after = (await getBackfill(t.db, b.id))!;
    expect(after).toMatchObject({ nextToken: 'next-1', pages: 1, postsStored: 1, postsRejected: 1 });
    expect(after.version).toBe(b.version + 1);
    expect(after.spent).toEqual({ usd: 0.01, requests: 2, postsBilled: 2 });
    const stored = await t.db.selectFrom('posts').select('id').where('edit_root_id', '=', post.id).execute();
    expect(stored).toHaveLength(1);
  });

  it('fills the beyond-search-window gaps it covers, not those it covers in part or of other hashtags', async () => {
    const b = await running();
    const gap = (
      startAt: string,
      endAt: string,
      tagKeys: string[],
      cause: GapCause = 'beyond_search_window',
    ) =>
      recordGap(t.db, {
        queryKey: `q-${startAt}-${tagKeys.join('')}`,
        tagKeys,
        startAt: new Date(startAt),
        endAt: new Date(endAt),
        cause,
        detail: 'test',
      });
    await gap('2020-07-10T00:00:00Z', '2020-07-10T01:00:00Z', ['virtualctweek']);
    await gap('2020-07-13T03:00:00Z', '2020-07-13T05:00:00Z', ['virtualctweek']);
    await gap('2020-07-09T00:00:00Z', '2020-07-09T01:00:00Z', ['virtualctweek', 'pve']);
    await gap('2020-07-08T00:00:00Z', '2020-07-08T01:00:00Z', ['uncctexpo'], 'worker_down');
    expect(await fillGaps(t.db, b, AT)).toBe(1);
    expect(await fillGaps(t.db, b, AT)).toBe(0);
    const filled = (await listGaps(t.db)).filter((g) => g.filled_by !== null);
    expect(filled.map((g) => [g.start_at.toISOString(), g.filled_by, g.filled_at])).toEqual([
      ['2020-07-10T00:00:00.000Z', b.id, AT],
    ]);
  });
});
