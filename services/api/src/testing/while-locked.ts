import type { Database } from '@tagpulse/db';
import { type Kysely, sql } from 'kysely';

/**
 * Runs `during` while another transaction holds an exclusive lock on `table`:
 * any query of the table waits, as a slow one would, until `during` is over.
 */
export async function whileLocked<T>(
  db: Kysely<Database>,
  table: 'api_keys' | 'rollups',
  during: () => Promise<T>,
): Promise<T> {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked = () => {};
  const isLocked = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holder = db.transaction().execute(async (trx) => {
    await sql`lock table ${sql.table(table)} in access exclusive mode`.execute(trx);
    locked();
    await released;
  });
  await isLocked;
  try {
    return await during();
  } finally {
    release();
    await holder;
  }
}
