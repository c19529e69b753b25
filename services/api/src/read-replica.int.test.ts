import { createDb, type Database, gapsRepository, hashtagsRepository, rollupOutbox } from '@tagpulse/db';
import { makeAuthor, postAt, storePosts } from '@tagpulse/testkit/db';
import { type ReplicatedDatabase, startReplicatedDatabase } from '@tagpulse/testkit/private-postgres';
import { waitFor } from '@tagpulse/testkit/processes';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_HEADER } from './response-cache.js';
import { startTestApp, type TestApp } from './testing/test-app.js';

// One private primary with a streaming replica for the file (pg_basebackup -R on spare ports).
let servers: ReplicatedDatabase;
let t: TestApp;
/** The API's read pool on the replica, which the tests also read directly. */
let standby: Kysely<Database>;

const A = makeAuthor({ id: '401', username: 'a', followers: 10 });
const july6 = {
  hashtag: 'virtualctweek',
  metric: 'posts',
  interval: '1h',
  from: '2020-07-06T00:00:00Z',
  to: '2020-07-07T00:00:00Z',
};

async function series() {
  const res = await t.call('GET', '/v1/series', { query: july6 });
  const points = res.json().series[0].points as { value: number }[];
  return { cache: res.headers[CACHE_HEADER], total: points.reduce((sum, p) => sum + p.value, 0) };
}

/** Writes a post and its roll-ups on the primary, as a worker does. */
async function store(at: string, lowBits: number): Promise<void> {
  await storePosts(t.testDb.db, [postAt(at, A, 'original', ['virtualctweek'], { lowBits })], [A]);
  await rollupOutbox.recomputeDirty(t.testDb.db, 100);
}

const onReplica = async (table: 'hashtags' | 'capture_gaps') =>
  Number(
    (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(standby)).rows[0]
      ?.n,
  );

beforeAll(async () => {
  servers = await startReplicatedDatabase();
  standby = createDb({ url: servers.replicaUrl, max: 5, readOnly: true });
  const primary = createDb({ url: servers.primaryUrl, max: 5 });
  t = await startTestApp(
    {},
    {
      database: { db: primary, url: servers.primaryUrl, name: 'tagpulse', drop: () => primary.destroy() },
      replica: standby,
    },
  );
  await hashtagsRepository.addHashtag(t.testDb.db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
  await store('2020-07-06T13:01:00Z', 1);
  await waitFor(
    'the replica to replay the set-up',
    async () => (await onReplica('hashtags')) === 1,
    30_000,
    50,
  );
}, 120_000);

afterAll(async () => {
  await t?.close();
  await standby?.destroy();
  await servers?.stop();
});

describe('the API over a read replica', () => {
  it('reads /v1 from the replica and writes to the primary', async () => {
    await servers.pauseReplay();
    try {
      // A table no notice announces: its reads show the replica as it stands, behind.
      await gapsRepository.recordGap(t.testDb.db, {
        queryKey: 'q-1',
        tagKeys: ['virtualctweek'],
        startAt: new Date('2020-07-06T10:00:00Z'),
        endAt: new Date('2020-07-06T11:00:00Z'),
        cause: 'beyond_search_window',
        detail: 'written on the primary while the replica is paused',
      });
      expect((await t.call('GET', '/v1/gaps')).json().gaps).toEqual([]);
      // A write through the API goes to the primary (the replica is read-only and paused).
      const added = await t.call('POST', '/v1/hashtags', { key: t.keys.admin, body: { tag: '#ReplicaTag' } });
      expect(added.statusCode).toBe(201);
      expect(await onReplica('hashtags')).toBe(1);
      // The replica's lag is shown while it is behind.
      const ready = (await t.call('GET', '/readyz', { key: null })).json();
      expect(ready.replica.lag_bytes).toBeGreaterThan(0);
      // /metrics is hidden from the OpenAPI document: asked directly.
      const metrics = (
        await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${t.keys.read}` } })
      ).body;
      expect(metrics).toMatch(/^tagpulse_replica_lag_bytes [1-9]\d*$/m);
    } finally {
      await servers.resumeReplay();
    }
    await waitFor(
      'the gap on the replica',
      async () => (await t.call('GET', '/v1/gaps')).json().gaps.length === 1,
      30_000,
      50,
    );
    await waitFor(
      'the replica to catch up',
      async () => (await t.call('GET', '/readyz', { key: null })).json().replica.lag_bytes === 0,
      30_000,
      50,
    );
  });

  it('shows a writer its change at once, though the replica has not replayed it', async () => {
    await servers.pauseReplay();
    try {
      const added = await t.call('POST', '/v1/hashtags', { key: t.keys.admin, body: { tag: '#YourChange' } });
      expect(added.statusCode).toBe(201);
      const tags = (await t.call('GET', '/v1/hashtags')).json().hashtags.map((h: { key: string }) => h.key);
      expect(tags).toContain('yourchange');
      expect(await onReplica('hashtags')).toBeLessThan(tags.length);
    } finally {
      await servers.resumeReplay();
    }
  });

  it('never keeps an answer the replica had not caught up with, and serves from it once it has', async () => {
    expect(await series()).toEqual({ cache: 'miss', total: 1 });
    expect(await series()).toEqual({ cache: 'hit', total: 1 });

    await servers.pauseReplay();
    try {
      // A worker's roll-up on the primary: the notice drops the answer, the replica cannot show it yet.
      await store('2020-07-06T18:00:00Z', 2);
      const behind = await waitFor(
        'the notice to drop the kept answer',
        async () => (await series()).cache === 'miss',
        10_000,
        20,
      ).then(series);
      // Computed on the primary: the new post is in it, though the replica lacks it.
      expect(behind.total).toBe(2);
      const onStandby = await sql<{ n: number }>`select count(*)::int as n from posts`.execute(standby);
      expect(onStandby.rows[0]?.n).toBe(1);
    } finally {
      await servers.resumeReplay();
    }
    // Whatever was kept while the replica lagged is right, and stays right once it has caught up.
    await waitFor('the replica to replay the roll-up', async () => {
      const n = await sql<{ n: number }>`select count(*)::int as n from posts`.execute(standby);
      return n.rows[0]?.n === 2;
    });
    const after = await series();
    expect(after.total).toBe(2);
    expect(await series()).toEqual({ cache: 'hit', total: 2 });
  });
});
