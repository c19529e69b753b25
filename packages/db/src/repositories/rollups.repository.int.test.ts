import { type Author, bucketStarts, DEFINITIONS_VERSIONS, type Post, touchedBuckets } from '@tagpulse/core';
import {
  createTestDatabase,
  makeAuthor,
  NO_METRICS,
  postAt,
  storeAndRollUp,
  storedBucket,
  type TestDatabase,
} from '@tagpulse/testkit/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHashtag } from './hashtags.repository.js';
import {
  buildDueZone,
  computeSeries,
  readSeries,
  recomputeOutdated,
  recomputeTouched,
  registerZone,
  zoneReady,
  zoneStatus,
} from './rollups.repository.js';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
  await addHashtag(testDb.db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
  await addHashtag(testDb.db, { key: 'uncctexpo', display: 'UNCCTExpo' });
});
afterAll(async () => {
  await testDb?.drop();
});

const A = makeAuthor({ id: '101', username: 'a', followers: 100 });
const B = makeAuthor({ id: '102', username: 'b', followers: 1_000 });
const C = makeAuthor({ id: '103', username: 'c', followers: 10 });
/** A fixture post; `m` sets some of its metrics, the others stay 0. */
function post(
  at: string,
  author: Author,
  kind: Post['kind'],
  hashtags: string[],
  m: Partial<Post['metrics']> = {},
) {
  return postAt(at, author, kind, hashtags, { metrics: { ...NO_METRICS, ...m } });
}

const store = (posts: Post[], authors: Author[] = [A, B, C]) => storeAndRollUp(testDb.db, posts, authors);

const point = (scope: string, grain: '5m' | '1h' | '1d', tz: string, at: string) =>
  storedBucket(testDb.db, { scope, grain, tz, at });

// p1 carries both tracked hashtags; p2 is a repost (its metrics are the original's: no engagements);
// p3 carries a tracked and an untracked hashtag; p4 only an untracked one; p5 is in the next hour.
const p1 = post('2020-07-06T13:01:00Z', A, 'original', ['virtualctweek', 'uncctexpo'], {
  likes: 2,
  reposts: 1,
  bookmarks: 1,
  impressions: 100,
});
const p2 = post('2020-07-06T13:02:00Z', B, 'repost', ['virtualctweek'], { likes: 5, impressions: 0 });
const p3 = post('2020-07-06T13:07:00Z', A, 'reply', ['uncctexpo', 'pve'], { likes: 1, impressions: 50 });
const p4 = post('2020-07-06T13:08:00Z', C, 'quote', ['pve'], { likes: 9, impressions: 9 });
const p5 = post('2020-07-06T14:20:00Z', B, 'original', ['virtualctweek'], { impressions: 7 });

describe('roll-ups from stored posts', () => {
  beforeAll(async () => {
    await store([p1, p2, p3, p4, p5]);
  });

  it('count a post under each of its tracked hashtags, split by kind, with engagements of non-reposts', async () => {
    expect(await point('virtualctweek', '5m', 'UTC', '2020-07-06T13:00:00Z')).toEqual({
      posts: 2,
      originals: 1,
      replies: 0,
      quotes: 0,
      reposts: 1,
      unique_authors: 2,
      potential_reach: 1_100,
      impressions: 100,
      engagements: 4,
    });
    expect(await point('uncctexpo', '5m', 'UTC', '2020-07-06T13:00:00Z')).toMatchObject({
      posts: 1,
      unique_authors: 1,
      potential_reach: 100,
    });
    expect(await point('uncctexpo', '5m', 'UTC', '2020-07-06T13:05:00Z')).toMatchObject({
      posts: 1,
      replies: 1,
      impressions: 50,
      engagements: 1,
    });
  });

  it('count a post with two tracked hashtags once in the all-hashtags series; untracked ones not at all', async () => {
    expect(await point('*', '5m', 'UTC', '2020-07-06T13:00:00Z')).toMatchObject({
      posts: 2,
      unique_authors: 2,
      potential_reach: 1_100,
      impressions: 100,
      engagements: 4,
    });
    expect(await point('*', '5m', 'UTC', '2020-07-06T13:05:00Z')).toMatchObject({ posts: 1, quotes: 0 });
  });

  it('compute distinct authors per bucket, never summing the smaller buckets', async () => {
    // A posts in both 5-minute buckets of the hour: 2 + 1 authors there, 2 in the hour.
    expect(await point('*', '1h', 'UTC', '2020-07-06T13:00:00Z')).toMatchObject({
      posts: 3,
      unique_authors: 2,
      potential_reach: 1_100,
      impressions: 150,
      engagements: 5,
    });
    expect(await point('*', '1d', 'UTC', '2020-07-06T00:00:00Z')).toMatchObject({
      posts: 4,
      unique_authors: 2,
    });
  });

  it('update an old bucket for a late post and for refreshed metrics', async () => {
    await store([post('2020-07-06T13:03:00Z', C, 'original', ['virtualctweek'])]);
    expect(await point('virtualctweek', '5m', 'UTC', '2020-07-06T13:00:00Z')).toMatchObject({
      posts: 3,
      unique_authors: 3,
      potential_reach: 1_110,
    });
    expect(await point('*', '1h', 'UTC', '2020-07-06T13:00:00Z')).toMatchObject({
      posts: 4,
      unique_authors: 3,
    });

    const refreshed = {
      ...p1,
      metrics: { ...p1.metrics, impressions: 300, likes: 12 },
      observedAt: new Date('2020-07-07T00:00:00Z'),
    };
    await store([refreshed]);
    expect(await point('*', '5m', 'UTC', '2020-07-06T13:00:00Z')).toMatchObject({
      impressions: 300,
      engagements: 14,
    });
    expect(await point('uncctexpo', '1h', 'UTC', '2020-07-06T13:00:00Z')).toMatchObject({ impressions: 350 });
  });

  it('take a deleted post out of the volume of its bucket', async () => {
    await sql`update posts set deleted_at = now() where id = ${p5.id}`.execute(testDb.db);
    await recomputeTouched(testDb.db, touchedBuckets([p5]));
    expect(await point('virtualctweek', '1h', 'UTC', '2020-07-06T14:00:00Z')).toMatchObject({
      posts: 0,
      unique_authors: 0,
    });
  });

  it('recompute rows computed with older definitions', async () => {
    await sql`update rollups set definitions_version = 0, posts = 999 where grain = '1h'`.execute(testDb.db);
    expect(await recomputeOutdated(testDb.db)).toBeGreaterThan(0);
    expect(await point('*', '1h', 'UTC', '2020-07-06T13:00:00Z')).toMatchObject({ posts: 4 });
    const { rows } = await sql<{ n: number }>`
      select count(*)::int8 as n from rollups
      where definitions_version <> all(${[...DEFINITIONS_VERSIONS]}::int[])`.execute(testDb.db);
    expect(rows[0]?.n).toBe(0);
  });
});

describe('days and weeks in a time zone', () => {
  // Around the New York fall-back of 2020-11-01 (02:00 EDT -> 01:00 EST): that day is 25 hours.
  const late = [
    post('2020-11-01T03:30:00Z', A, 'original', ['virtualctweek']), // Sat 31 Oct 23:30 EDT
    post('2020-11-01T04:30:00Z', B, 'original', ['virtualctweek']), // Sun 1 Nov 00:30 EDT
    post('2020-11-02T04:30:00Z', C, 'original', ['virtualctweek']), // Sun 1 Nov 23:30 EST
    post('2020-11-02T05:30:00Z', A, 'original', ['virtualctweek']), // Mon 2 Nov 00:30 EST
  ];

  beforeAll(async () => {
    await store(late);
  });

  it('back-fill a zone when first registered, with New York days right across the DST change', async () => {
    expect(await zoneReady(testDb.db, 'America/New_York')).toBe(false);
    expect(await registerZone(testDb.db, 'America/New_York', { max: 16 })).toBe('registered');
    expect(await zoneReady(testDb.db, 'America/New_York')).toBe(false);
    expect(await buildDueZone(testDb.db)).toEqual({ tz: 'America/New_York' });
    expect(await zoneReady(testDb.db, 'America/New_York')).toBe(true);
    expect(await registerZone(testDb.db, 'America/New_York', { max: 16 })).toBe('known');
    expect(await buildDueZone(testDb.db)).toBeUndefined();
    const days = await readSeries(testDb.db, {
      scope: 'virtualctweek',
      grain: '1d',
      tz: 'America/New_York',
      from: new Date('2020-10-31T04:00:00Z'),
      to: new Date('2020-11-03T05:00:00Z'),
    });
    expect([...days].map(([t, v]) => [new Date(t).toISOString(), v.posts, v.unique_authors])).toEqual([
      ['2020-10-31T04:00:00.000Z', 1, 1],
      ['2020-11-01T04:00:00.000Z', 2, 2],
      ['2020-11-02T05:00:00.000Z', 1, 1],
    ]);
    // UTC days cut the same posts differently.
    expect(await point('virtualctweek', '1d', 'UTC', '2020-11-01T00:00:00Z')).toMatchObject({ posts: 2 });
    // Monday-to-Sunday New York week of 26 Oct holds the first three.
    expect(
      await point('virtualctweek', '1w' as '1d', 'America/New_York', '2020-10-26T04:00:00Z'),
    ).toMatchObject({
      posts: 3,
      unique_authors: 3,
    });
  });

  it('maintain a registered zone incrementally, half-hour zones with hours of their own', async () => {
    await registerZone(testDb.db, 'Asia/Kolkata', { max: 16 });
    await buildDueZone(testDb.db);
    // 2020-11-02 05:30Z is 11:00 in Kolkata: the hour 05:30Z-06:30Z holds it.
    expect(await point('virtualctweek', '1h', 'Asia/Kolkata', '2020-11-02T05:30:00Z')).toMatchObject({
      posts: 1,
    });
    await store([post('2020-11-02T06:10:00Z', B, 'original', ['virtualctweek'])]);
    expect(await point('virtualctweek', '1h', 'Asia/Kolkata', '2020-11-02T05:30:00Z')).toMatchObject({
      posts: 2,
    });
    expect(await point('virtualctweek', '1d', 'America/New_York', '2020-11-02T05:00:00Z')).toMatchObject({
      posts: 2,
      unique_authors: 2,
    });
  });

  it('register at most `max` zones besides UTC', async () => {
    const registered = (await testDb.db.selectFrom('rollup_zones').select('tz').execute()).length - 1;
    expect(await registerZone(testDb.db, 'Europe/Vienna', { max: registered })).toBe('full');
    expect(await zoneStatus(testDb.db, 'Europe/Vienna')).toBeUndefined();
    // Concurrent registrations cannot overshoot the limit.
    const results = await Promise.all(
      ['Europe/Vienna', 'Europe/Paris', 'Asia/Tokyo'].map((tz) =>
        registerZone(testDb.db, tz, { max: registered + 1 }),
      ),
    );
    expect(results.filter((r) => r === 'registered')).toHaveLength(1);
    await testDb.db
      .deleteFrom('rollup_zones')
      .where('tz', 'in', ['Europe/Vienna', 'Europe/Paris', 'Asia/Tokyo'])
      .execute();
  });

  it('retry a zone whose back-fill failed, and one whose worker died mid-way, until it is built', async () => {
    const { db } = testDb;
    // A real failure inside the back-fill's statements: Berlin's rows cannot be written.
    await sql`create function refuse_berlin() returns trigger language plpgsql as $$
      begin if new.tz = 'Europe/Berlin' then raise exception 'disk full (test)'; end if; return new; end $$`.execute(
      db,
    );
    await sql`create trigger refuse_berlin before insert on rollups for each row execute function refuse_berlin()`.execute(
      db,
    );
    await registerZone(db, 'Europe/Berlin', { max: 16 });
    expect(await buildDueZone(db)).toEqual({ tz: 'Europe/Berlin', error: 'disk full (test)' });
    const failed = await db
      .selectFrom('rollup_zones')
      .selectAll()
      .where('tz', '=', 'Europe/Berlin')
      .executeTakeFirstOrThrow();
    expect(failed).toMatchObject({ ready_at: null, build_attempts: 1, build_error: 'disk full (test)' });
    // Not due again at once: 10 s later, doubling.
    expect(failed.build_due_at.getTime()).toBeGreaterThan(Date.now() + 5_000);
    expect(await buildDueZone(db)).toBeUndefined();
    await sql`drop trigger refuse_berlin on rollups`.execute(db);
    await sql`drop function refuse_berlin()`.execute(db);

    // Its due time comes; a worker claims it and dies mid-way (the claim is all it left).
    await db
      .updateTable('rollup_zones')
      .set({ build_due_at: new Date(Date.now() - 1) })
      .where('tz', '=', 'Europe/Berlin')
      .execute();
    await sql`update rollup_zones set build_attempts = build_attempts + 1, build_due_at = now() + interval '10 minutes'
      where tz = 'Europe/Berlin'`.execute(db);
    expect(await buildDueZone(db)).toBeUndefined();
    // Its lease runs out: the next worker builds it.
    await db
      .updateTable('rollup_zones')
      .set({ build_due_at: new Date(Date.now() - 1) })
      .where('tz', '=', 'Europe/Berlin')
      .execute();
    expect(await buildDueZone(db)).toEqual({ tz: 'Europe/Berlin' });
    expect(await zoneStatus(db, 'Europe/Berlin')).toEqual({ ready: true, buildAttempts: 3 });
    expect(
      await db
        .selectFrom('rollup_zones')
        .select('build_error')
        .where('tz', '=', 'Europe/Berlin')
        .executeTakeFirstOrThrow(),
    ).toEqual({ build_error: null });
    // Berlin's stored days are what the posts give.
    const from = new Date('2020-10-01T00:00:00Z');
    const to = new Date('2020-12-01T00:00:00Z');
    const stored = await readSeries(db, {
      scope: 'virtualctweek',
      grain: '1d',
      tz: 'Europe/Berlin',
      from,
      to,
    });
    const computed = await computeSeries(db, {
      scope: 'virtualctweek',
      tags: ['virtualctweek'],
      grain: '1d',
      tz: 'Europe/Berlin',
      starts: bucketStarts(from, to, '1d', 'Europe/Berlin'),
    });
    expect(computed.size).toBeGreaterThan(0);
    for (const [t, values] of computed) expect(stored.get(t)).toEqual(values);
  });
});
