import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiKeysRepository } from '@tagpulse/db';
import { createLogger } from '@tagpulse/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_TRUST_MS } from './key-cache.js';
import { startTestApp, type TestApp } from './testing/test-app.js';
import { whileLocked } from './testing/while-locked.js';

// Every route the app serves, read from Fastify's own route table, so a route added later is
// covered without editing this test. Only these answer without a key, and none of them carries
// data: health checks, the docs page (and the document it renders: the same one, as /openapi.json
// and /docs/json), and the dashboard's static page and files (it asks the user for a key).
const PUBLIC = [
  /^\/healthz$/,
  /^\/readyz$/,
  /^\/docs(\/.*)?$/,
  /^\/openapi\.json$/,
  /^\/$/,
  /^\/dashboard\//,
];

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

/** [method, url] of every route, path parameters filled with harmless values. */
function routes(app: TestApp['app']): [string, string][] {
  const found: [string, string][] = [];
  // printRoutes prints a tree, four columns per level: "│   ├── static/index.html (GET, HEAD)";
  // a node's path is its parents' joined with its own segment.
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    if (!match[3]) continue;
    const url = stack
      .join('')
      .replace(/:[A-Za-z_]+/g, '1')
      .replace(/\*$/, 'x');
    for (const method of match[3].split(', ')) {
      if (method !== 'HEAD' && method !== 'OPTIONS') found.push([method, url]);
    }
  }
  return found;
}

describe('authentication', () => {
  it('answers no route but health, docs and the static dashboard without a key', async () => {
    const all = routes(t.app);
    expect(all.length).toBeGreaterThan(20);
    const open: string[] = [];
    for (const [method, url] of all) {
      const res = await t.app.inject({
        method: method as 'GET',
        url,
        payload: method === 'GET' ? undefined : {},
      });
      if (res.statusCode !== 401) open.push(`${method} ${url} ${res.statusCode}`);
      if (PUBLIC.some((p) => p.test(url))) continue;
      expect(`${method} ${url} ${res.statusCode}`).toBe(`${method} ${url} 401`);
    }
    // The public ones really are open (the list above is not stale), and hold no data.
    for (const url of ['/healthz', '/readyz', '/docs', '/openapi.json', '/']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBeLessThan(400);
    }
    expect(open.every((o) => PUBLIC.some((p) => p.test(o.split(' ')[1]!)))).toBe(true);
    // /metrics names keys and queue depths: it needs a key now.
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
  });

  it('refuses every wrong secret the same way, whatever its length or how much of it matches', async () => {
    const key = t.keys.read;
    const [prefix, secret] = [key.slice(0, 20), key.slice(20)];
    const flip = (c: string) => (c === 'A' ? 'B' : 'A');
    const wrong = [
      `${prefix}${flip(secret[0]!)}${secret.slice(1)}`, // differs at the first character
      `${prefix}${secret.slice(0, -1)}${flip(secret.at(-1)!)}`, // a prefix match, differs at the last
      `${prefix}${secret.slice(0, -1)}`, // one character short
      `${prefix}${secret}A`, // one character long
      `${prefix}x`,
    ];
    const answers = await Promise.all(
      wrong.map((k) =>
        t.app.inject({ method: 'GET', url: '/v1/hashtags', headers: { authorization: `Bearer ${k}` } }),
      ),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(wrong.map(() => 401));
    // Same answer for all: nothing tells a near miss from a wrong length.
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/v1/hashtags',
          headers: { authorization: `Bearer ${key}` },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('keeps a verified key in memory, and stops it within a second of its revocation, on every scope', async () => {
    for (const scope of ['read', 'admin'] as const) {
      const { key, row } = await apiKeysRepository.createApiKey(t.testDb.db, { scope });
      const call = () =>
        t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${key}` } });
      // The creation's own notice empties the cache of keys: let it pass before the key is kept.
      await sleep(200);
      expect((await call()).statusCode).toBe(200);
      // With the keys' table locked, a key read from the database waits; a key kept in memory does not.
      const answer = await whileLocked(t.testDb.db, 'api_keys', async () => {
        const answer = call();
        return Promise.race([answer, sleep(2_000).then(() => 'waited on the database')]);
      });
      expect(typeof answer === 'string' ? answer : answer.statusCode).toBe(200);
      await apiKeysRepository.revokeApiKey(t.testDb.db, row.id);
      const revokedAt = performance.now();
      let status = (await call()).statusCode;
      while (status === 200 && performance.now() - revokedAt < 5_000) {
        await sleep(5);
        status = (await call()).statusCode;
      }
      // README "Reliability": a revoked key stops working within a second.
      expect(status).toBe(401);
      expect(performance.now() - revokedAt).toBeLessThan(1_000);
    }
  });

  it('limits requests per client address before authentication: wrong keys, /readyz, /metrics', async () => {
    const limited = await startTestApp({
      rateLimit: { max: 10_000, windowMs: 60_000, nameSpace: `test-${randomUUID()}-`, perAddress: 5 },
    });
    try {
      const from = (remoteAddress: string, url: string, key?: string) =>
        limited.app.inject({
          method: 'GET',
          url,
          remoteAddress,
          headers: key ? { authorization: `Bearer ${key}` } : {},
        });
      const wrong = `${limited.keys.read.slice(0, -1)}${limited.keys.read.endsWith('A') ? 'B' : 'A'}`;
      for (let i = 0; i < 5; i++)
        expect((await from('203.0.113.7', '/v1/hashtags', wrong)).statusCode).toBe(401);
      const refused = await from('203.0.113.7', '/v1/hashtags', wrong);
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.json().detail).toMatch(/more than 5 requests per 60 s from this address/);
      for (const url of ['/readyz', '/metrics', '/openapi.json']) {
        expect((await from('203.0.113.7', url)).statusCode, url).toBe(429);
      }
      // The liveness probe, another address, and a key already verified still pass.
      expect((await from('203.0.113.7', '/healthz')).statusCode).toBe(200);
      expect((await from('198.51.100.1', '/readyz')).statusCode).toBe(200);
      expect((await from('198.51.100.1', '/v1/hashtags', limited.keys.read)).statusCode).toBe(200);
      expect((await from('203.0.113.7', '/v1/hashtags', limited.keys.read)).statusCode).toBe(200);
      // A busy key due to be read again (past the 1 s trust) is no stranger: its burst passes.
      await sleep(KEY_TRUST_MS + 100);
      const burst = await Promise.all(
        Array.from({ length: 12 }, () => from('203.0.113.7', '/v1/hashtags', limited.keys.read)),
      );
      expect(burst.map((r) => r.statusCode)).toEqual(burst.map(() => 200));
      // IPv6 clients count per /64.
      for (let i = 1; i <= 5; i++) expect((await from(`2001:db8:1:2::${i}`, '/readyz')).statusCode).toBe(200);
      expect((await from('2001:db8:1:2:ffff::9', '/readyz')).statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('logs no key, at trace level, through requests that succeed and fail', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logged = await startTestApp({
      log: createLogger({ service: 'api-test', level: 'trace', destination: sink }),
    });
    try {
      const { key: revoked, row } = await apiKeysRepository.createApiKey(logged.testDb.db, { scope: 'read' });
      await apiKeysRepository.revokeApiKey(logged.testDb.db, row.id);
      for (const key of [logged.keys.read, logged.keys.admin, revoked]) {
        for (const url of ['/v1/hashtags', '/metrics', '/v1/nope', '/v1/series?hashtag=%00']) {
          await logged.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
        }
        await logged.app.inject({
          method: 'POST',
          url: '/v1/hashtags',
          headers: { authorization: `Bearer ${key}` },
          payload: { tag: 'PVE' },
        });
      }
      const text = lines.join('');
      expect(lines.length).toBeGreaterThan(20);
      for (const key of [logged.keys.read, logged.keys.admin, revoked]) {
        // The secret part: the id before it is not secret (it is how `apikey list` names a key).
        expect(text).not.toContain(key.slice(20));
      }
    } finally {
      await logged.close();
    }
  });
});
