import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../database.js';

type Db = Kysely<Database>;

/** Zones whose hour (when not UTC-aligned), day and week roll-ups are maintained. */
export async function listZones(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('rollup_zones').select('tz').orderBy('tz').execute();
  return rows.map((r) => r.tz);
}

/** Where a zone's rows stand: read from the stored rows only once `ready`. */
export interface ZoneStatus {
  ready: boolean;
  /** Back-fill tries so far (a worker that died mid-way counts as one). */
  buildAttempts: number;
}

export async function zoneStatus(db: Db, tz: string): Promise<ZoneStatus | undefined> {
  const row = await db
    .selectFrom('rollup_zones')
    .select(['ready_at', 'build_attempts'])
    .where('tz', '=', tz)
    .executeTakeFirst();
  return row && { ready: row.ready_at !== null, buildAttempts: row.build_attempts };
}

/** True when a zone's stored rows are complete (back-filled), so series may be read from them. */
export async function zoneReady(db: Db, tz: string): Promise<boolean> {
  return (await zoneStatus(db, tz))?.ready ?? false;
}

/**
 * Registers a zone for a worker to build (`buildDueZone`), unless `max`
 * zones besides UTC are registered already: every registered zone costs each
 * stored page a recompute, so their number is bounded. `tz` must be a
 * canonical name (core's `canonicalZone`), or spellings would multiply it.
 * Builds nothing itself: a request that registers a zone does no more work.
 */
export async function registerZone(
  db: Db,
  tz: string,
  { max }: { max: number },
): Promise<'registered' | 'known' | 'full'> {
  return db.transaction().execute(async (trx) => {
    // Two processes registering at once must not both take the last place.
    await sql`select pg_advisory_xact_lock(hashtext('tagpulse.rollup_zones'))`.execute(trx);
    const zones = await listZones(trx);
    if (zones.includes(tz)) return 'known';
    if (zones.filter((z) => z !== 'UTC').length >= max) return 'full';
    await trx.insertInto('rollup_zones').values({ tz }).execute();
    return 'registered';
  });
}
