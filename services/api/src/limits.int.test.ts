import { setTimeout as sleep } from 'node:timers/promises';
import { createDb, hashtagsRepository } from '@tagpulse/db';
import { makeAuthor, postAt, storeAndRollUp } from '@tagpulse/testkit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SPAN_DAYS } from './params.js';
import { startTestApp, type TestApp } from './testing/test-app.js';
import { whileLocked } from './testing/while-locked.js';

let t: TestApp;
const A = makeAuthor({ id: '101' });

beforeAll(async () => {
  t = await startTestApp({ previewConcurrency: 1 });
  await hashtagsRepository.addHashtag(t.testDb.db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
  const posts = [0, 1, 2].map((h) =>
    postAt(`2020-07-06T1${h}:00:00Z`, A, 'original', ['virtualctweek'], { lowBits: 101 + h }),
  );
  await storeAndRollUp(t.testDb.db, posts, [A]);
});
afterAll(async () => {
  await t?.close();
});

const DAY = 86_400_000;
const TO = Date.parse('2020-07-13T00:00:00Z');
const span = (days: number) => ({
  from: new Date(TO - days * DAY).toISOString(),
  to: new Date(TO).toISOString(),
});

describe('span caps', () => {
  it(`refuses a period longer than ${MAX_SPAN_DAYS} days on every period route, naming the limit`, async () => {
    const rule = (
      await t.call('POST', '/v1/alert-rules', {
        key: t.keys.admin,
        body: {
          hashtag: 'VirtualCTWeek',
          interval: '1h',
          channels: [{ type: 'email', to: ['comms@example.org'] }],
        },
      })
    ).json();
    const routes: [method: 'GET' | 'POST', route: string, query: Record<string, string>][] = [
      ['GET', '/v1/series', { hashtag: 'all', interval: '1d' }],
      ['GET', '/v1/summary', { hashtag: 'all' }],
      ['GET', '/v1/top/posts', { hashtag: 'all' }],
      ['GET', '/v1/top/authors', { hashtag: 'all' }],
      ['GET', '/v1/cohashtags', { hashtag: 'all' }],
      ['GET', '/v1/languages', { hashtag: 'all' }],
      ['GET', '/v1/posts', { hashtag: 'all' }],
      ['GET', '/v1/coverage', { hashtag: 'all' }],
      ['GET', '/v1/alerts', {}],
      ['POST', '/v1/alert-rules/{id}/backtest', {}],
      ['GET', '/v1/reports/preview', { hashtag: 'all' }],
    ];
    for (const [method, route, query] of routes) {
      const ask = (days: number) =>
        t.call(method, route, {
          params: { id: rule.id },
          query: { ...query, ...span(days) },
          key: method === 'POST' ? t.keys.admin : t.keys.read,
        });
      const long = await ask(MAX_SPAN_DAYS + 1);
      expect(long.statusCode, route).toBe(400);
      expect(long.json().invalid_params[0].name, route).toBe('from');
      expect(long.json().detail, route).toContain(`at most ${MAX_SPAN_DAYS} days`);
      expect((await ask(MAX_SPAN_DAYS)).statusCode, route).toBe(200);
    }
    // Year 1 to 9999: refused before any bucket is listed.
    const huge = await t.call('GET', '/v1/reports/preview', {
      query: { from: '0001-01-01T00:00:00Z', to: '9999-12-31T00:00:00Z' },
    });
    expect(huge.statusCode).toBe(400);
    // The cap is in the OpenAPI document.
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const from = doc.paths['/v1/summary'].get.parameters.find((p: { name: string }) => p.name === 'from');
    expect(from.description).toContain(`at most ${MAX_SPAN_DAYS} days`);
  }, 60_000);
});

describe('report previews', () => {
  it('builds a bounded number at once; the rest are a 503 with Retry-After', async () => {
    const preview = () =>
      t.call('GET', '/v1/reports/preview', { query: { hashtag: 'all', at: '2020-07-07T07:00:00Z' } });
    const answers = await Promise.all([preview(), preview(), preview(), preview()]);
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses[0]).toBe(200);
    expect(statuses.at(-1)).toBe(503);
    const busy = answers.find((a) => a.statusCode === 503)!;
    expect(busy.headers['retry-after']).toBe('5');
    expect(busy.json().detail).toMatch(/1 report previews are being built, the most at once/);
    // The slot is given back, also by previews that failed.
    expect((await preview()).statusCode).toBe(200);
  }, 60_000);
});

describe('statement timeout', () => {
  it('cancels a query that runs past it and answers 503, instead of holding the request', async () => {
    const db = createDb({ url: t.testDb.url, max: 2, statementTimeoutMs: 300 });
    const slow = await startTestApp({ db });
    try {
      const started = performance.now();
      const answer = await whileLocked(t.testDb.db, 'rollups', () =>
        Promise.race([
          // The app reads the first app's database through `db`, where this key lives.
          slow.call('GET', '/v1/series', {
            key: t.keys.read,
            query: { hashtag: 'all', from: '2020-07-06T00:00:00Z', to: '2020-07-07T00:00:00Z' },
          }),
          sleep(5_000).then(() => undefined),
        ]),
      );
      expect(answer?.statusCode).toBe(503);
      expect(answer?.json().detail).toMatch(/longer than the API allows a query/);
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      await slow.close();
      await db.destroy();
    }
  }, 60_000);
});
