import { Writable } from 'node:stream';
import { apiKeysRepository, hashtagsRepository } from '@tagpulse/db';
import { createLogger } from '@tagpulse/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await hashtagsRepository.addHashtag(t.testDb.db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
});
afterAll(async () => {
  await t?.close();
});

describe('the OpenAPI document', () => {
  it('validates and describes every /v1 route, with problem+json errors and CSV where a table is natural', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/healthz',
      '/readyz',
      '/v1/alert-rules',
      '/v1/alert-rules/{id}',
      '/v1/alert-rules/{id}/backtest',
      '/v1/alerts',
      '/v1/alerts/{id}',
      '/v1/alerts/{id}/acknowledge',
      '/v1/alerts/{id}/silence',
      '/v1/backfills',
      '/v1/backfills/{id}',
      '/v1/cohashtags',
      '/v1/coverage',
      '/v1/gaps',
      '/v1/hashtags',
      '/v1/hashtags/{tag}',
      '/v1/languages',
      '/v1/posts',
      '/v1/report-schedules',
      '/v1/report-schedules/{id}',
      '/v1/reports',
      '/v1/reports/preview',
      '/v1/reports/{id}',
      '/v1/series',
      '/v1/status',
      '/v1/summary',
      '/v1/top/authors',
      '/v1/top/posts',
      '/v1/usage',
    ]);
    const series = doc.paths['/v1/series'].get;
    expect(Object.keys(series.responses['200'].content)).toEqual(['application/json', 'text/csv']);
    expect(Object.keys(series.responses['400'].content)).toEqual(['application/problem+json']);
    expect(Object.keys(doc.paths['/v1/posts'].get.responses['200'].content)).toContain(
      'application/x-ndjson',
    );
    expect(Object.keys(doc.paths['/v1/reports/{id}'].get.responses['200'].content).sort()).toEqual([
      'application/json',
      'text/csv',
      'text/html',
    ]);
  });

  it('has a browsable page at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('access', () => {
  it('refuses a missing or unknown key with 401 and a problem document', async () => {
    const missing = await t.call('GET', '/v1/hashtags', { key: null });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(missing.json().detail).toMatch(/Authorization: Bearer/);
    expect((await t.call('GET', '/v1/hashtags', { key: 'tp_0000000000000000_nope' })).statusCode).toBe(401);
    const forged = t.keys.read.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await t.call('GET', '/v1/hashtags', { key: forged })).statusCode).toBe(401);
  });

  it('lets a read key read but not change, with 403', async () => {
    expect((await t.call('GET', '/v1/hashtags')).statusCode).toBe(200);
    const res = await t.call('POST', '/v1/hashtags', { body: { tag: 'PVE' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toMatch(/admin scope/);
  });

  it('stores only a hash of the key', async () => {
    const rows = await apiKeysRepository.listApiKeys(t.testDb.db);
    const secret = t.keys.admin.split('_').slice(2).join('_');
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it('sets security headers and keeps CORS off unless configured', async () => {
    const res = await t.call('GET', '/healthz', { headers: { origin: 'https://evil.example' } });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('never logs the key', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logged = await import('./testing/test-app.js').then((m) =>
      m.startTestApp({ log: createLogger({ service: 'api-test', level: 'trace', destination: sink }) }),
    );
    try {
      await logged.call('GET', '/v1/hashtags', { key: logged.keys.read });
      logged.app.log.info({ req: { headers: { authorization: `Bearer ${logged.keys.read}` } } }, 'probe');
      expect(lines.length).toBeGreaterThan(1);
      expect(lines.join('')).not.toContain(logged.keys.read.slice(20));
    } finally {
      await logged.close();
    }
  });
});

describe('rate limit per key', () => {
  it('answers 429 past the limit, per key, and exports what is left', async () => {
    const limited = await startTestAppWithLimit(3);
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.call('GET', '/v1/hashtags')).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const res = await limited.call('GET', '/v1/hashtags');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().detail).toMatch(/rate limit of 3/);
      // Another key has its own budget.
      expect((await limited.call('GET', '/v1/hashtags', { key: limited.keys.admin })).statusCode).toBe(200);
      const metrics = (
        await limited.app.inject({
          method: 'GET',
          url: '/metrics',
          headers: { authorization: `Bearer ${limited.keys.admin}` },
        })
      ).body;
      expect(metrics).toMatch(/tagpulse_rate_limit_remaining\{key="[0-9a-f]{16}"\} 2/);
    } finally {
      await limited.close();
    }
  });
});

async function startTestAppWithLimit(max: number): Promise<TestApp> {
  const { randomUUID } = await import('node:crypto');
  return startTestApp({
    rateLimit: { max, windowMs: 60_000, nameSpace: `test-${randomUUID()}-`, perAddress: 10_000 },
  });
}

describe('CORS when configured', () => {
  it('allows the configured origin only', async () => {
    const withCors = await startTestApp({ corsOrigins: ['https://dashboard.example'] });
    try {
      const ok = await withCors.call('GET', '/healthz', { headers: { origin: 'https://dashboard.example' } });
      expect(ok.headers['access-control-allow-origin']).toBe('https://dashboard.example');
      const other = await withCors.call('GET', '/healthz', { headers: { origin: 'https://evil.example' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await withCors.close();
    }
  });
});

describe('hashtags', () => {
  it('adds, lists and removes tracked hashtags with an admin key', async () => {
    const added = await t.call('POST', '/v1/hashtags', { key: t.keys.admin, body: { tag: '#UNCCTExpó' } });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ tag: 'UNCCTExpó', key: 'uncctexpo', tracked: true });
    const listed = (await t.call('GET', '/v1/hashtags', { query: { tz: 'America/New_York' } })).json();
    expect(listed.hashtags.map((h: { key: string }) => h.key)).toEqual(['uncctexpo', 'virtualctweek']);
    expect(listed.hashtags[0].created_at).toMatch(/-0[45]:00$/);
    expect(
      (await t.call('DELETE', '/v1/hashtags/{tag}', { key: t.keys.admin, params: { tag: 'UNCCTEXPO' } }))
        .statusCode,
    ).toBe(204);
    expect(
      (await t.call('DELETE', '/v1/hashtags/{tag}', { key: t.keys.admin, params: { tag: 'uncctexpo' } }))
        .statusCode,
    ).toBe(404);
    const csv = await t.call('GET', '/v1/hashtags', { query: { format: 'csv' } });
    expect(csv.body.split('\r\n')[0]).toBe('"tag","key","tracked","created_at","updated_at"');
  });

  it('refuses a malformed hashtag naming the parameter', async () => {
    const res = await t.call('POST', '/v1/hashtags', { key: t.keys.admin, body: { tag: '12345' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().invalid_params[0].name).toBe('tag');
    const extra = await t.call('POST', '/v1/hashtags', {
      key: t.keys.admin,
      body: { tag: 'x', admin: true },
    });
    expect(extra.statusCode).toBe(400);
  });
});

describe('bad input', () => {
  const series = (query: Record<string, string>) =>
    t.call('GET', '/v1/series', {
      query: { hashtag: 'VirtualCTWeek', from: '2020-07-06T00:00:00Z', to: '2020-07-07T00:00:00Z', ...query },
    });

  it('answers 404 for an unknown hashtag', async () => {
    const res = await series({ hashtag: 'NoSuchTag' });
    expect(res.statusCode).toBe(404);
    expect(res.json().detail).toMatch(/NoSuchTag/);
  });

  it.each([
    [{ from: '2020-07-08T00:00:00Z' }, 'from'],
    [{ from: 'yesterday' }, 'from'],
    [{ to: '2020-07-07' }, 'to'],
    [{ interval: '5m', from: '2019-07-01T00:00:00Z', to: '2020-07-07T00:00:00Z' }, 'interval'],
    [{ metric: 'posts,likes' }, 'metric'],
    [{ interval: '2h' }, 'interval'],
    [{ tz: 'Mars/Olympus' }, 'tz'],
    [{ tz: "UTC'; drop table posts; --" }, 'tz'],
  ])('answers 400 naming the parameter for %o', async (query, name) => {
    const res = await series(query as Record<string, string>);
    expect(res.statusCode).toBe(400);
    expect(res.json().invalid_params[0].name).toBe(name);
    expect(res.json().detail).toMatch(new RegExp(`^${name}: `));
  });

  it('treats SQL-looking and oversized input as a value only', async () => {
    expect((await series({ hashtag: "x' or '1'='1" })).statusCode).toBe(400);
    expect((await series({ hashtag: 'VirtualCTWeek; drop table posts' })).statusCode).toBe(400);
    expect((await series({ hashtag: 'a'.repeat(5_000) })).statusCode).toBe(400);
    expect((await series({ hashtag: 'Robert_drop_table_posts' })).statusCode).toBe(404);
    const huge = await t.app.inject({
      method: 'POST',
      url: '/v1/hashtags',
      headers: { authorization: `Bearer ${t.keys.admin}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ tag: 'x'.repeat(100_000) }),
    });
    expect(huge.statusCode).toBe(413);
    expect((await series({})).statusCode).toBe(200);
  });

  it('answers unknown routes with a problem document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('health and metrics', () => {
  it('answers /healthz and /readyz with Postgres and Redis up', async () => {
    expect((await t.call('GET', '/healthz', { key: null })).json()).toEqual({ status: 'ok' });
    expect((await t.call('GET', '/readyz', { key: null })).statusCode).toBe(200);
  });

  it('answers /readyz 503 naming what is down', async () => {
    const { createRedis } = await import('@tagpulse/queue');
    const dead = createRedis('redis://127.0.0.1:1', 'producer', () => {});
    const down = await startTestApp({ redis: dead });
    try {
      const res = await down.call('GET', '/readyz', { key: null });
      expect(res.statusCode).toBe(503);
      expect(res.json().detail).toBe('postgres reachable, redis unreachable');
      // A route needing the rate-limit store is unavailable, not broken.
      expect((await down.call('GET', '/v1/hashtags')).statusCode).toBe(503);
    } finally {
      await down.close();
    }
  });

  it('exports request counters, queue depths and the roll-up lag', async () => {
    await t.call('GET', '/healthz');
    const res = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${t.keys.read}` },
    });
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(
      /tagpulse_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/,
    );
    expect(res.body).toContain('tagpulse_queue_jobs{queue="capture-poll",state="waiting"} 2');
    expect(res.body).toMatch(/tagpulse_rollup_lag_seconds 0/);
  });
});
