import { hashtagsRepository, rollupOutbox } from '@tagpulse/db';
import { makeAuthor, postAt, storePosts } from '@tagpulse/testkit/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_HEADER } from './response-cache.js';
import { startTestApp, type TestApp } from './testing/test-app.js';

let t: TestApp;
const A = makeAuthor({ id: '301', username: 'a', followers: 1_000 });

const day = { hashtag: 'virtualctweek', metric: 'posts', interval: '1h' };
const july6 = { ...day, from: '2020-07-06T00:00:00Z', to: '2020-07-07T00:00:00Z' };
const march = { ...day, from: '2020-03-01T00:00:00Z', to: '2020-03-02T00:00:00Z' };

async function series(query: Record<string, string>) {
  const res = await t.call('GET', '/v1/series', { query });
  const total = res
    .json()
    .series[0].points.reduce((sum: number, p: { value: number }) => sum + p.value, 0) as number;
  return { cache: res.headers[CACHE_HEADER], total };
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await probe();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the condition did not hold within 5 s');
}

async function store(at: string, lowBits: number): Promise<void> {
  await storePosts(t.testDb.db, [postAt(at, A, 'original', ['virtualctweek'], { lowBits })], [A]);
  await rollupOutbox.recomputeDirty(t.testDb.db, 100);
}

beforeAll(async () => {
  t = await startTestApp();
  await hashtagsRepository.addHashtag(t.testDb.db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
  await store('2020-07-06T13:01:00Z', 1);
});
afterAll(async () => {
  await t?.close();
});

describe('the response cache', () => {
  it('answers a repeated question from memory, and recomputes once the roll-ups it read change', async () => {
    expect(await series(july6)).toEqual({ cache: 'miss', total: 1 });
    expect(await series(july6)).toEqual({ cache: 'hit', total: 1 });
    expect(await series(march)).toEqual({ cache: 'miss', total: 0 });

    // Written by the roll-up job of another process: the API hears of it from Postgres.
    await store('2020-07-06T18:00:00Z', 2);
    expect(
      await until(
        () => series(july6),
        (s) => s.total === 2,
      ),
    ).toEqual({ cache: 'miss', total: 2 });
    // A change months away leaves an answer about March alone.
    expect(await series(march)).toEqual({ cache: 'hit', total: 0 });
  });

  it('forgets answers when the tracked hashtags change', async () => {
    await series(july6);
    expect((await series(july6)).cache).toBe('hit');
    const added = await t.call('POST', '/v1/hashtags', { key: t.keys.admin, body: { tag: '#UNCCTExpo' } });
    expect(added.statusCode).toBe(201);
    expect((await series(july6)).cache).toBe('miss');
  });

  it('computes every answer while it cannot hear changes, and caches again once it can', async () => {
    await series(july6);
    expect((await series(july6)).cache).toBe('hit');
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = 'tagpulse-changes' and datname = current_database()`.execute(t.testDb.db);
    // While the feed is down a change could go unheard, so nothing is served from memory.
    const down = await until(
      () => series(july6),
      (s) => s.cache === 'off',
    );
    expect(down.total).toBe(2);
    await store('2020-07-06T19:00:00Z', 3);
    const back = await until(
      () => series(july6),
      (s) => s.cache === 'hit',
    );
    expect(back.total).toBe(3);
  });
});
