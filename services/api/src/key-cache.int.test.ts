import { setTimeout as sleep } from 'node:timers/promises';
import { apiKeysRepository, listenForChanges } from '@tagpulse/db';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_TRUST_MS, KeyCache } from './key-cache.js';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

/** Polls until `done` or `ms` pass; true when done. */
async function within(ms: number, done: () => boolean): Promise<boolean> {
  const end = performance.now() + ms;
  while (!done() && performance.now() < end) await sleep(5);
  return done();
}

describe('the key cache', () => {
  it('forgets a key when the database announces a change of api_keys, not by age', async () => {
    // A frozen clock: only the notice can make the cache forget.
    const cache = new KeyCache({ trusted: () => feed.live, now: () => 0 });
    const feed = await listenForChanges({ url: testDb.url, onChange: (c) => cache.apply(c) });
    try {
      const { key, row } = await apiKeysRepository.createApiKey(testDb.db, { scope: 'read' });
      // The creation's own notice empties the cache once; read the key after it.
      await sleep(100);
      expect((await cache.verify(testDb.db, key))?.id).toBe(row.id);
      expect(cache.known(key)?.id).toBe(row.id);
      // A wrong secret for a kept id is still wrong.
      expect(cache.known(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
      await apiKeysRepository.revokeApiKey(testDb.db, row.id);
      expect(await within(1_000, () => cache.known(key) === undefined)).toBe(true);
      expect(await cache.verify(testDb.db, key)).toBeUndefined();
    } finally {
      await feed.close();
    }
  });

  it('trusts nothing while the feed is down: every key is read from the database', async () => {
    let live = true;
    const cache = new KeyCache({ trusted: () => live, now: () => 0 });
    const { key, row } = await apiKeysRepository.createApiKey(testDb.db, { scope: 'admin' });
    expect((await cache.verify(testDb.db, key))?.id).toBe(row.id);
    expect(cache.known(key)?.id).toBe(row.id);
    live = false;
    expect(cache.known(key)).toBeUndefined();
    // No notice reaches a cache whose feed is down; the revocation still applies at once.
    await apiKeysRepository.revokeApiKey(testDb.db, row.id);
    expect(await cache.verify(testDb.db, key)).toBeUndefined();
    // Back up: the feed's reset comes first, and what was kept before is gone.
    live = true;
    cache.apply({ table: 'reset' });
    expect(cache.known(key)).toBeUndefined();
  });

  it('reads a kept key again once it is older than the trust bound', async () => {
    let now = 0;
    const cache = new KeyCache({ trusted: () => true, now: () => now });
    const { key, row } = await apiKeysRepository.createApiKey(testDb.db, { scope: 'read' });
    expect((await cache.verify(testDb.db, key))?.id).toBe(row.id);
    now = KEY_TRUST_MS;
    expect(cache.known(key)?.id).toBe(row.id);
    now = KEY_TRUST_MS + 1;
    expect(cache.known(key)).toBeUndefined();
    // Still recognised (not counted as a stranger) until it is read again…
    expect(cache.recognised(key)).toBe(true);
    expect(cache.recognised(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    await apiKeysRepository.revokeApiKey(testDb.db, row.id);
    expect(await cache.verify(testDb.db, key)).toBeUndefined();
    // …and found revoked: a stranger from then on.
    expect(cache.recognised(key)).toBe(false);
  });
});
