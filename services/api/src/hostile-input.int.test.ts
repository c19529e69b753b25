import { hashtagsRepository } from '@tagpulse/db';
import { makeAuthor, postAt, storeAndRollUp } from '@tagpulse/testkit/db';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SPAN_DAYS } from './params.js';
import { startTestApp, type TestApp } from './testing/test-app.js';

let t: TestApp;
type Operation = { parameters?: { name: string; in: string }[] };
let operations: { method: 'GET' | 'POST' | 'DELETE'; route: string; operation: Operation }[] = [];

// Text from X as a spreadsheet would take it for a formula (OWASP's list of first characters), or not.
const FORMULA_START = /^[=+\-@\t\r]/;
const fromX = fc
  .tuple(
    fc.constantFrom('=', '+', '-', '@', '\t', '\r', '', '"'),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
  )
  // Postgres text holds no NUL.
  .map(([start, rest]) => `${start}${rest}`.replaceAll('\u0000', ''));
const hostileTexts = fc.sample(fromX, { numRuns: 40, seed: 16 });

beforeAll(async () => {
  t = await startTestApp();
  await hashtagsRepository.addHashtag(t.testDb.db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
  // Posts and authors whose text, username and name start like formulas, for the CSV exports.
  const authors = hostileTexts.map((text, i) =>
    makeAuthor({ id: String(500 + i), username: text.slice(0, 15), name: text }),
  );
  const posts = authors.map((author, i) =>
    postAt(
      new Date(Date.parse('2020-07-06T10:00:00Z') + i * 60_000).toISOString(),
      author,
      'original',
      ['virtualctweek'],
      { text: hostileTexts[i] ?? '' },
    ),
  );
  await storeAndRollUp(t.testDb.db, posts, authors);
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

  it(`answers any span on every period route, or a 400 naming the ${MAX_SPAN_DAYS}-day limit`, async () => {
    const periodRoutes = operations.filter(
      (o) =>
        o.method === 'GET' &&
        !o.route.includes('{') &&
        o.operation.parameters?.some((p) => p.name === 'from'),
    );
    expect(periodRoutes.map((o) => o.route)).toEqual(
      expect.arrayContaining(['/v1/series', '/v1/summary', '/v1/posts', '/v1/reports/preview']),
    );
    const DAY = 86_400_000;
    const start = fc.date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('9000-01-01T00:00:00Z'),
      noInvalidDate: true,
    });
    // Spans around the limit as often as far past it, from a minute to 800 000 days.
    const days = fc.oneof(
      fc.double({ min: 1 / 1440, max: MAX_SPAN_DAYS * 2, noNaN: true }),
      fc.double({ min: 1, max: 800_000, noNaN: true }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...periodRoutes), start, days, async ({ route }, from, span) => {
        const to = new Date(from.getTime() + Math.max(60_000, Math.round(span * DAY)));
        if (to.getUTCFullYear() > 9999) return;
        const res = await t.call('GET', route, {
          query: { hashtag: 'all', from: from.toISOString(), to: to.toISOString() },
        });
        const what = `${route} ${from.toISOString()} → ${to.toISOString()}`;
        if (to.getTime() - from.getTime() > MAX_SPAN_DAYS * DAY) {
          expect(res.statusCode, what).toBe(400);
          expect(res.json().invalid_params[0].name, what).toBe('from');
          expect(res.json().detail, what).toContain(`at most ${MAX_SPAN_DAYS} days`);
        } else {
          // Within the cap: an answer, or a 400 of another parameter's own limit (points per series).
          expect(res.statusCode, what).toBeLessThan(500);
          if (res.statusCode === 400) expect(res.json().invalid_params[0].name, what).not.toBe('from');
        }
      }),
      { numRuns: 120 },
    );
  }, 120_000);

  it('exports CSV in which no cell from X starts a formula, and every text comes back whole', async () => {
    // The first test may have untracked the hashtag (DELETE /v1/hashtags/{tag}, at random).
    await hashtagsRepository.addHashtag(t.testDb.db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
    const routes = ['/v1/posts', '/v1/top/posts', '/v1/top/authors'] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.constantFrom('by', 'accept'), async (route, how) => {
        const query = {
          hashtag: 'all',
          from: '2020-07-06T00:00:00Z',
          to: '2020-07-07T00:00:00Z',
          limit: '100',
        };
        const res = await t.call('GET', route, {
          query: how === 'by' ? { ...query, format: 'csv' } : query,
          ...(how === 'accept' ? { headers: { accept: 'text/csv' } } : {}),
        });
        expect(res.statusCode).toBe(200);
        const rows = parseCsv(res.body);
        expect(rows.length).toBeGreaterThan(hostileTexts.length / 2);
        const texts = new Set<string>();
        for (const row of rows) {
          for (const cell of row) {
            if (!cell.quoted) {
              expect(cell.value, route).toMatch(/^(-?\d+(\.\d+)?(e[+-]?\d+)?)?$/);
              continue;
            }
            expect(cell.value, `${route}: ${JSON.stringify(cell.value)}`).not.toMatch(FORMULA_START);
            texts.add(/^'[=+\-@\t\r]/.test(cell.value) ? cell.value.slice(1) : cell.value);
          }
        }
        // The guard costs one quote, nothing else: every post text (author name) comes back.
        for (const text of hostileTexts) expect(texts).toContain(text);
      }),
      { numRuns: 12 },
    );
  });
});

/** RFC 4180, quoted fields with commas, quotes and line breaks included; each cell says if it was quoted. */
function parseCsv(text: string): { value: string; quoted: boolean }[][] {
  const rows: { value: string; quoted: boolean }[][] = [];
  let row: { value: string; quoted: boolean }[] = [];
  let i = 0;
  while (i < text.length) {
    let value = '';
    let quoted = false;
    if (text[i] === '"') {
      quoted = true;
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) throw new Error('unterminated quoted field');
        value += text.slice(i, quote);
        i = quote + 1;
        if (text[i] !== '"') break;
        value += '"';
        i++;
      }
    } else {
      const end = text.slice(i).search(/,|\r\n/);
      value = end < 0 ? text.slice(i) : text.slice(i, i + end);
      i += value.length;
    }
    row.push({ value, quoted });
    if (text[i] === ',') {
      i++;
    } else if (text.startsWith('\r\n', i)) {
      rows.push(row);
      row = [];
      i += 2;
    } else if (i < text.length) {
      throw new Error(`unexpected ${JSON.stringify(text[i])} after a field at ${i}`);
    }
  }
  return rows;
}
