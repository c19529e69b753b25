import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDue, enqueue, markFailed, markSent } from './deliveries.repository.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

async function expireLeases(): Promise<void> {
  await sql`update deliveries set lease_until = clock_timestamp() - interval '1 second' where status = 'sending'`.execute(
    t.db,
  );
}

async function row(id: number) {
  return t.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

describe('the delivery ledger', () => {
  it('lets only the current claim decide: a late worker can neither re-open a sent notice nor mark it sent', async () => {
    await enqueue(t.db, {
      messageKey: 'alert/1/firing',
      kind: 'firing',
      message: { subject: 's' },
      channels: [
        { key: 'webhook:https://hooks.example.org', channel: { type: 'webhook', url: 'https://x' } },
      ],
    });
    // Worker A claims it, then takes longer than its lease (a slow SMTP server, a paused process).
    const [late] = await claimDue(t.db, { limit: 10, leaseMs: 60_000 });
    if (!late) throw new Error('nothing claimed');
    await expireLeases();
    // Worker B takes it over and sends it.
    const [current] = await claimDue(t.db, { limit: 10, leaseMs: 60_000 });
    expect(current).toMatchObject({ id: late.id, attempts: late.attempts + 1 });
    if (!current) throw new Error('not claimed again');
    expect(await markSent(t.db, current)).toBe(true);
    // A's attempt ends in a failure after all: the row stays sent, and nothing is due again.
    expect(await markFailed(t.db, late, 'smtp: timed out', 5_000)).toBe(false);
    expect(await row(late.id)).toMatchObject({ status: 'sent', last_error: null });
    expect(await claimDue(t.db, { limit: 10, leaseMs: 60_000 })).toEqual([]);
  });

  it('ignores a late success while another claim holds the row, and records the current claim’s failure', async () => {
    await enqueue(t.db, {
      messageKey: 'alert/2/firing',
      kind: 'firing',
      message: { subject: 's' },
      channels: [{ key: 'email:a@example.org', channel: { type: 'email', to: ['a@example.org'] } }],
    });
    const [late] = await claimDue(t.db, { limit: 10, leaseMs: 60_000 });
    if (!late) throw new Error('nothing claimed');
    await expireLeases();
    const [current] = await claimDue(t.db, { limit: 10, leaseMs: 60_000 });
    if (!current) throw new Error('not claimed again');
    expect(await markSent(t.db, late)).toBe(false);
    expect((await row(late.id)).status).toBe('sending');
    expect(await markFailed(t.db, current, 'smtp: 451 try later', 0)).toBe(true);
    expect(await row(late.id)).toMatchObject({
      status: 'pending',
      last_error: 'smtp: 451 try later',
      attempts: 2,
    });
  });
});
