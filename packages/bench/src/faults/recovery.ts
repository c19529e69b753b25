import type { Database } from '@tagpulse/db';
import { waitFor } from '@tagpulse/testkit/processes';
import { truthPosts } from '@tagpulse/testkit/truth';
import type { Sim } from '@tagpulse/x-sim';
import type { Kysely } from 'kysely';

/**
 * Real seconds from the fault's end until every post X could return at that
 * moment is stored: how long the capture took to catch up.
 */
export async function timeToRecover(
  { db, sim }: { db: Kysely<Database>; sim: Sim },
  hashtag: string,
): Promise<number> {
  const began = Date.now();
  const faultEnd = sim.clock.now();
  const due = (await truthPosts(sim.url, hashtag)).filter(
    (p) =>
      !p.deleted_at &&
      Date.parse(p.searchable_at) <= faultEnd &&
      Date.parse(p.created_at) < faultEnd - 30_000,
  );
  const ids = due.map((p) => p.id);
  await waitFor(
    'capture to catch up after the fault',
    async () => {
      const stored = await db
        .selectFrom('posts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('id', 'in', ids.length > 0 ? ids : ['0'])
        .executeTakeFirst()
        .catch(() => undefined);
      return Number(stored?.n ?? 0) >= ids.length;
    },
    180_000,
    // The recovery time is read to a tenth of a second.
    100,
  );
  return (Date.now() - began) / 1000;
}

/** Until an X poll cycle begun at or after `after` (x-sim time) has ended: everything searchable then is stored. */
export async function waitForCycleAfter(db: Kysely<Database>, after: Date): Promise<void> {
  await waitFor(
    `a poll cycle begun after ${after.toISOString()}`,
    async () => {
      const c = await db
        .selectFrom('capture_cursors')
        .selectAll()
        .where('network', '=', 'x')
        .executeTakeFirst();
      return (
        c !== undefined &&
        c.cycle_until_id === null &&
        c.cycle_started_at !== null &&
        c.cycle_started_at.getTime() >= after.getTime()
      );
    },
    120_000,
  );
}
