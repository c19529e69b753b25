import type { ChildProcess } from 'node:child_process';
import { apiKeysRepository, hashtagsRepository, rollupOutbox } from '@tagpulse/db';
import { createTestDatabase, makeAuthor, postAt, storePosts, type TestDatabase } from '@tagpulse/testkit/db';
import { freePort } from '@tagpulse/testkit/net';
import { startApi, stopCli, waitFor } from '@tagpulse/testkit/processes';
import { testPrefix } from '@tagpulse/testkit/queue';
import { startRedisCluster, type TestRedisCluster } from '@tagpulse/testkit/redis-cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_HEADER } from './response-cache.js';

// Two `tagpulse api` processes over one database and one Redis — a Redis Cluster, so the per-key
// rate limit is shown to hold on one — as behind a load balancer.
const LIMIT = 12;
let t: TestDatabase;
let cluster: TestRedisCluster;
let apis: { child: ChildProcess; url: string }[] = [];
let read: string;
let admin: string;

const A = makeAuthor({ id: '501', username: 'a', followers: 10 });
const query = new URLSearchParams({
  hashtag: 'virtualctweek',
  metric: 'posts',
  interval: '1h',
  from: '2020-07-06T00:00:00Z',
  to: '2020-07-07T00:00:00Z',
});

async function get(url: string, path: string, key = read) {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, cache: res.headers.get(CACHE_HEADER), body: await res.text() };
}
const total = (body: string) =>
  (JSON.parse(body).series[0].points as { value: number }[]).reduce((sum, p) => sum + p.value, 0);

async function store(at: string, lowBits: number): Promise<void> {
  await storePosts(t.db, [postAt(at, A, 'original', ['virtualctweek'], { lowBits })], [A]);
  await rollupOutbox.recomputeDirty(t.db, 100);
}

beforeAll(async () => {
  [t, cluster] = await Promise.all([createTestDatabase(), startRedisCluster()]);
  await hashtagsRepository.addHashtag(t.db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
  await store('2020-07-06T13:01:00Z', 1);
  read = (await apiKeysRepository.createApiKey(t.db, { scope: 'read' })).key;
  admin = (await apiKeysRepository.createApiKey(t.db, { scope: 'admin' })).key;
  const env = {
    DATABASE_URL: t.url,
    REDIS_URL: cluster.url,
    QUEUE_PREFIX: testPrefix(),
    API_RATE_LIMIT_PER_MINUTE: String(LIMIT),
    LOG_LEVEL: 'warn',
  };
  apis = await Promise.all([0, 1].map(async () => startApi({ ...env, API_PORT: String(await freePort()) })));
}, 120_000);

afterAll(async () => {
  await Promise.all(apis.map((a) => stopCli(a.child)));
  await cluster?.stop();
  await t?.drop();
});

describe('two API processes', () => {
  it('answer the same, and both drop an answer when the data under it changes', async () => {
    const [a, b] = apis.map((x) => x.url) as [string, string];
    const first = await Promise.all([get(a, `/v1/series?${query}`), get(b, `/v1/series?${query}`)]);
    expect(first.map((r) => r.cache)).toEqual(['miss', 'miss']);
    expect(first[0].body).toBe(first[1].body);
    expect(total(first[0].body)).toBe(1);
    expect((await get(b, `/v1/series?${query}`)).cache).toBe('hit');

    // Written by a worker: each process hears of it from Postgres and recomputes.
    await store('2020-07-06T18:00:00Z', 2);
    for (const url of [a, b]) {
      await waitFor(
        `${url} to drop its answer`,
        async () => total((await get(url, `/v1/series?${query}`)).body) === 2,
      );
    }
    const after = await Promise.all([get(a, `/v1/series?${query}`), get(b, `/v1/series?${query}`)]);
    expect(after[0].body).toBe(after[1].body);

    // A hashtag tracked through one process is listed by the other.
    const added = await fetch(`${a}/v1/hashtags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tag: '#BothSee' }),
    });
    expect(added.status).toBe(201);
    await waitFor('the other process to list it', async () =>
      (await get(b, '/v1/hashtags', admin)).body.includes('bothsee'),
    );
  });

  it('hold one rate limit per key across both, counted in the Redis Cluster', async () => {
    const [a, b] = apis.map((x) => x.url) as [string, string];
    const { key } = await apiKeysRepository.createApiKey(t.db, { scope: 'read', name: 'limited' });
    const statuses: number[] = [];
    // Alternating between the processes: each alone would allow LIMIT.
    for (let i = 0; i < 2 * LIMIT; i++)
      statuses.push((await get(i % 2 === 0 ? a : b, '/v1/hashtags', key)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(statuses.slice(LIMIT).every((s) => s === 429)).toBe(true);
  });
});
