import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureHealth } from './alerts.repository.js';
import { ensureCursor } from './cursors.repository.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const at = (hhmm: string) => new Date(`2024-03-02T${hhmm}:00Z`);

/** A cursor that last succeeded at `success` and whose last completed cycle began at `cycle`. */
async function cursor(key: string, network: 'x' | 'mastodon', tag: string, success: string, cycle: string) {
  await ensureCursor(t.db, { queryKey: key, query: tag, tagKeys: [tag], sinceId: null, network });
  await sql`update capture_cursors set last_success_at = ${at(success)}, cycle_started_at = ${at(cycle)}
    where query_key = ${key}`.execute(t.db);
}

describe('capture health across networks', () => {
  it("counts a hashtag's Mastodon instances as one source, read when any of them was", async () => {
    await cursor('q-x', 'x', 'spiketag', '12:20', '12:19');
    // One instance has been down since 12:00; the other read the hashtag at 12:21.
    await cursor('m-a', 'mastodon', 'spiketag', '12:00', '11:59');
    await cursor('m-b', 'mastodon', 'spiketag', '12:21', '12:20');

    const all = await captureHealth(t.db, ['spiketag']);
    expect(all).toEqual({
      queries: 2,
      oldestSuccess: at('12:20'),
      neverSucceeded: 0,
      capturedUntil: at('12:19'),
    });
    expect(await captureHealth(t.db, ['spiketag'], 'mastodon')).toMatchObject({
      queries: 1,
      oldestSuccess: at('12:21'),
      capturedUntil: at('12:20'),
    });
  });

  it('still stalls when every instance of a hashtag stopped, and X queries stay sources of their own', async () => {
    await cursor('m-b', 'mastodon', 'spiketag', '12:00', '11:59');
    await cursor('q-x2', 'x', 'spiketag', '11:30', '11:29');
    expect(await captureHealth(t.db, ['spiketag'])).toMatchObject({
      queries: 3,
      oldestSuccess: at('11:30'),
      capturedUntil: at('11:29'),
    });
    expect(await captureHealth(t.db, ['spiketag'], 'mastodon')).toMatchObject({
      oldestSuccess: at('12:00'),
      capturedUntil: at('11:59'),
    });
  });
});
