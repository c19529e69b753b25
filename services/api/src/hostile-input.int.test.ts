import { hashtagsRepository } from '@tagpulse/db';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing/test-app.js';

let t: TestApp;
type Operation = { parameters?: { name: string; in: string }[] };
let operations: { method: 'GET' | 'POST' | 'DELETE'; route: string; operation: Operation }[] = [];

beforeAll(async () => {
  t = await startTestApp();
  await hashtagsRepository.addHashtag(t.testDb.db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
  const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  operations = Object.entries(doc.paths).flatMap(([route, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase() as 'GET' | 'POST' | 'DELETE',
      route,
      operation,
    })),
  );
});
afterAll(async () => {
  await t?.close();
});

// What a confused or hostile client sends: plausible values, SQL, huge and unicode-heavy strings.
const value = fc.oneof(
  fc.constantFrom(
    'all',
    'VirtualCTWeek',
    '#virtualctweek',
    'posts',
    '1h',
    '5m',
    'UTC',
    'America/New_York',
    'csv',
  ),
  fc.constantFrom(
    '2020-07-06T00:00:00Z',
    '2020-07-08T00:00:00+02:00',
    '1970-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
  ),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style probe, meant literally
  fc.constantFrom("'; drop table posts; --", '1 or 1=1', '%00', '../../etc/passwd', '${jndi:x}', '\u0000'),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 3_000 }),
  fc.integer().map(String),
  fc.double().map(String),
);
const query = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'hashtag',
      'metric',
      'interval',
      'from',
      'to',
      'tz',
      'format',
      'by',
      'limit',
      'cursor',
      'kind',
      'lang',
      'author_id',
    ),
    fc.string({ maxLength: 10 }),
  ),
  fc.oneof(value, fc.array(value, { maxLength: 3 })),
  { maxKeys: 6 },
);

describe('hostile input', () => {
  it('never gets a 5xx nor an undocumented answer from any route, with any query', async () => {
    expect(operations.length).toBeGreaterThan(10);
    await fc.assert(
      fc.asyncProperty(fc.nat(), query, value, async (pick, q, param) => {
        const { method, route } = operations[pick % operations.length]!;
        // `call` checks the status and body against the OpenAPI document: an undocumented one throws.
        const res = await t.call(method, route, {
          params: { tag: param, id: param },
          query: q,
          key: method === 'GET' ? t.keys.read : t.keys.admin,
          ...(method === 'POST' ? { body: { tag: param } } : {}),
        });
        expect(res.statusCode, `${method} ${route} ${JSON.stringify(q)}`).toBeLessThan(500);
      }),
      { numRuns: 400 },
    );
  });

  it('refuses any body that is not the documented one on the hashtag route with a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (body) => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/hashtags',
          headers: { authorization: `Bearer ${t.keys.admin}`, 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
        expect(res.statusCode, JSON.stringify(body)).toBeLessThan(500);
        if (res.statusCode >= 400) expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }),
      { numRuns: 200 },
    );
    const tags = await hashtagsRepository.listHashtags(t.testDb.db);
    // Whatever was accepted is a well-formed hashtag key.
    for (const tag of tags) expect(tag.tag_key).toMatch(/^[\p{L}\p{N}_]+$/u);
  });
});
