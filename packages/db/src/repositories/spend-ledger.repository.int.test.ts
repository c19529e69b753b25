import { createTestDatabase, makeAuthor, makePost, type TestDatabase } from '@tagpulse/testkit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCursor, getCursor } from './cursors.repository.js';
import { storePage } from './page-store.repository.js';
import { recordSpend, recordXUsage, type SpendEntry, spendSummary } from './spend-ledger.repository.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await ensureCursor(t.db, {
    queryKey: 'q-spend',
    query: '(#VirtualCTWeek)',
    tagKeys: ['virtualctweek'],
    sinceId: null,
  });
});
afterAll(async () => {
  await t?.drop();
});

const PRICES = { postRead: 0.005, userRead: 0.01, countsRequest: 0, emptyRequest: 0 };
const DAY1 = new Date('2020-07-06T10:00:00Z');
const DAY2 = new Date('2020-07-07T00:00:01Z');

function entry(at: Date, postIds: string[], userIds: string[], extra: Partial<SpendEntry> = {}): SpendEntry {
  return {
    at,
    endpoint: 'search/recent',
    purpose: 'poll',
    queryKey: 'q-spend',
    tagKeys: ['virtualctweek'],
    postIds,
    userIds,
    countsRequests: 0,
    prices: PRICES,
    ...extra,
  };
}

async function storeWith(spend: SpendEntry, expectedVersion?: number) {
  const cursor = await getCursor(t.db, 'q-spend');
  const post = makePost({ createdAt: new Date('2020-07-06T09:00:00Z') });
  return storePage(t.db, {
    posts: [post],
    authors: [makeAuthor()],
    rejected: 0,
    seenAt: spend.at,
    spend,
    cursor: {
      queryKey: 'q-spend',
      expectedVersion: expectedVersion ?? cursor!.version,
      patch: { status: 'ok' },
    },
  });
}

describe('the spend ledger', () => {
  it('bills a post and a user once per UTC day, with the page that brought them', async () => {
    await storeWith(entry(DAY1, ['11', '12'], ['u1']));
    await storeWith(entry(new Date(DAY1.getTime() + 60_000), ['12', '13'], ['u1'], { purpose: 'overlap' }));
    // A page dropped for a stale cursor was billed by X all the same, and is recorded.
    const dropped = await storeWith(entry(new Date(DAY1.getTime() + 120_000), ['14'], []), 0);
    expect(dropped.committed).toBe(false);
    await storeWith(entry(DAY2, ['11'], ['u1']));
    const rows = await t.db.selectFrom('x_spend').selectAll().orderBy('id').execute();
    expect(rows.map((r) => [r.posts_returned, r.posts_billed, r.users_billed, Number(r.usd)])).toEqual([
      [2, 2, 1, 0.02],
      [2, 1, 0, 0.005],
      [1, 1, 0, 0.005],
      [1, 1, 1, 0.015],
    ]);
  });

  it('bills counts per request and an empty search at the configured price', async () => {
    const at = new Date('2020-07-07T01:00:00Z');
    expect(
      await recordSpend(
        t.db,
        entry(at, [], [], {
          endpoint: 'counts/recent',
          purpose: 'coverage',
          countsRequests: 1,
          prices: { ...PRICES, countsRequest: 0.005 },
        }),
      ),
    ).toBe(0.005);
    expect(await recordSpend(t.db, entry(at, [], [], { prices: { ...PRICES, emptyRequest: 0.001 } }))).toBe(
      0.001,
    );
    expect(await recordSpend(t.db, entry(at, [], [], { purpose: 'refresh', endpoint: 'tweets' }))).toBe(0);
  });

  it('sums today, the month, by query and purpose, forecasts, and sets X’s count beside ours', async () => {
    await recordXUsage(
      t.db,
      [
        { day: new Date('2020-07-06T00:00:00Z'), posts: 4 },
        { day: new Date('2020-07-07T00:00:00Z'), posts: 2 },
      ],
      DAY2,
    );
    const asOf = new Date('2020-07-07T02:00:00Z');
    const s = await spendSummary(t.db, { asOf, days: 3 });
    expect(s.today.usd).toBeCloseTo(0.015 + 0.005 + 0.001, 9);
    expect(s.month.usd).toBeCloseTo(0.02 + 0.005 + 0.005 + 0.021, 9);
    expect(s.month).toMatchObject({ requests: 7, postsBilled: 5, usersBilled: 2, countsRequests: 1 });
    expect(Object.fromEntries(s.byPurpose.map((p) => [p.purpose, p.requests]))).toEqual({
      poll: 4,
      overlap: 1,
      coverage: 1,
      refresh: 1,
    });
    expect(s.byQuery).toHaveLength(1);
    // Every request fell in the last 24 hours: that rate goes on until 1 August.
    const hoursLeft = (Date.parse('2020-08-01T00:00:00Z') - asOf.getTime()) / 3_600_000;
    expect(s.forecastUsd).toBeCloseTo(s.month.usd + (s.month.usd / 24) * hoursLeft, 6);
    expect(s.days.map((d) => [d.day.toISOString().slice(0, 10), d.postsBilled, d.xPosts])).toEqual([
      ['2020-07-06', 4, 4],
      ['2020-07-07', 1, 2],
    ]);
  });
});
