import { createTestDatabase, makePost, type TestDatabase } from '@tagpulse/testkit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedPerHour, listCoverage, upsertCoverage } from './coverage.repository.js';
import { ensureCursor, getCursor, listCursors, retireCursorsExcept } from './cursors.repository.js';
import { listGaps, recordGap } from './gaps.repository.js';
import { addHashtag, deactivateHashtag, listHashtags } from './hashtags.repository.js';
import { storePage } from './page-store.repository.js';
import { applyRefresh, duePosts } from './refresh.repository.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

describe('hashtags', () => {
  it('add, list, deactivate and come back with the latest display spelling', async () => {
    await addHashtag(t.db, { key: 'uncctexpo', display: 'UNCCTExpo' });
    await addHashtag(t.db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
    expect(await deactivateHashtag(t.db, 'uncctexpo')).toBe(true);
    expect(await deactivateHashtag(t.db, 'uncctexpo')).toBe(false);
    expect((await listHashtags(t.db, { activeOnly: true })).map((h) => h.tag_key)).toEqual(['virtualctweek']);
    await addHashtag(t.db, { key: 'uncctexpo', display: 'UNCCTEXPO' });
    const all = await listHashtags(t.db);
    expect(all.map((h) => [h.tag_key, h.display, h.active])).toEqual([
      ['uncctexpo', 'UNCCTEXPO', true],
      ['virtualctweek', 'VirtualCTWeek', true],
    ]);
  });
});

describe('cursors and gaps', () => {
  it('retire queries that are gone and bring them back on demand', async () => {
    await ensureCursor(t.db, { queryKey: 'q-a', query: '(#a)', tagKeys: ['a'], sinceId: '100' });
    await ensureCursor(t.db, { queryKey: 'q-b', query: '(#b)', tagKeys: ['b'], sinceId: null });
    expect(await retireCursorsExcept(t.db, ['q-b'])).toEqual(['q-a']);
    expect((await listCursors(t.db)).map((c) => c.query_key)).toEqual(['q-b']);
    await ensureCursor(t.db, { queryKey: 'q-a', query: '(#a)', tagKeys: ['a'], sinceId: null });
    expect(await getCursor(t.db, 'q-a')).toMatchObject({ status: 'idle', since_id: '100' });
  });

  it('record a gap once, widening its end when recorded again', async () => {
    const gap = {
      queryKey: 'q-a',
      tagKeys: ['a'],
      startAt: new Date('2020-07-01T00:00:00Z'),
      endAt: new Date('2020-07-02T00:00:00Z'),
      cause: 'worker_down' as const,
      detail: 'down',
    };
    await recordGap(t.db, gap);
    await recordGap(t.db, { ...gap, endAt: new Date('2020-07-03T00:00:00Z') });
    const gaps = await listGaps(t.db, { tagKey: 'a' });
    expect(gaps.map((g) => [g.start_at, g.end_at, g.cause])).toEqual([
      [gap.startAt, new Date('2020-07-03T00:00:00Z'), 'worker_down'],
    ]);
    expect(await listGaps(t.db, { tagKey: 'b' })).toEqual([]);
  });
});

describe('coverage and engagement refresh', () => {
  const createdAt = new Date('2020-07-06T10:15:00Z');
  const alive = makePost({ createdAt, observedAt: new Date('2020-07-06T10:16:00Z') });
  const gone = makePost({ createdAt, lowBits: 2, observedAt: new Date('2020-07-06T10:16:00Z') });

  beforeAll(async () => {
    await ensureCursor(t.db, {
      queryKey: 'q-r',
      query: '(#VirtualCTWeek)',
      tagKeys: ['virtualctweek'],
      sinceId: null,
    });
    await storePage(t.db, {
      posts: [alive, gone],
      authors: [],
      rejected: 0,
      seenAt: new Date('2020-07-06T10:16:00Z'),
      cursor: { queryKey: 'q-r', expectedVersion: 0, patch: {} },
    });
  });

  it('looks posts up at +1 h, keeps the newer metrics and marks deleted posts without dropping them', async () => {
    expect(await duePosts(t.db, new Date('2020-07-06T11:14:00Z'), 100)).toEqual([]);
    const now = new Date('2020-07-06T11:20:00Z');
    const due = await duePosts(t.db, now, 100);
    expect(due.map((d) => d.id).sort()).toEqual([alive.id, gone.id].sort());
    const fresh = { ...alive, metrics: { ...alive.metrics, impressions: 999 }, observedAt: now };
    await applyRefresh(t.db, { due, found: [fresh], deletedIds: [gone.id], now });
    const rows = await t.db.selectFrom('posts').selectAll().where('id', 'in', [alive.id, gone.id]).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(alive.id)).toMatchObject({
      impression_count: 999,
      refresh_stage: 1,
      refresh_due_at: new Date('2020-07-07T10:15:00Z'),
      deleted_at: null,
    });
    expect(byId.get(gone.id)).toMatchObject({ deleted_at: now, refresh_due_at: null });
    expect(await duePosts(t.db, now, 100)).toEqual([]);
  });

  it('counts captured, not deleted posts per hour and stores the ratio to X', async () => {
    const hour = new Date('2020-07-06T10:00:00Z');
    const captured = await capturedPerHour(t.db, 'virtualctweek', hour, new Date('2020-07-06T12:00:00Z'));
    expect([...captured]).toEqual([[hour.getTime(), 1]]);
    const measuredAt = new Date('2020-07-06T12:00:00Z');
    await upsertCoverage(t.db, [
      { tagKey: 'virtualctweek', hourStart: hour, captured: 1, xCount: 2, measuredAt },
      {
        tagKey: 'virtualctweek',
        hourStart: new Date('2020-07-06T11:00:00Z'),
        captured: 0,
        xCount: 0,
        measuredAt,
      },
    ]);
    await upsertCoverage(t.db, [
      { tagKey: 'virtualctweek', hourStart: hour, captured: 1, xCount: 1, measuredAt },
    ]);
    const rows = await listCoverage(t.db, { tagKey: 'virtualctweek', from: hour, to: measuredAt });
    expect(rows.map((r) => [r.hour_start, r.ratio])).toEqual([
      [hour, 1],
      [new Date('2020-07-06T11:00:00Z'), null],
    ]);
  });
});
