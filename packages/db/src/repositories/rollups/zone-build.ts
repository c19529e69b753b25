import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../database.js';
import { backfill } from './writes.js';

type Db = Kysely<Database>;

/** How long a worker's claim on a zone's back-fill lasts; renewed after each chunk it writes. */
const ZONE_BUILD_LEASE = '10 minutes';

/**
 * Claims one registered zone that is not built yet and whose due time has
 * passed, computes its history from the posts and marks it ready. A worker
 * that dies mid-way leaves its lease to expire, and a failure records its
 * error and a due time (10 s doubling to 15 minutes) for the next try: every
 * registered zone is built in the end. Registered before it is built, so a
 * page stored meanwhile is recomputed in the zone by its own job, or already
 * seen by the back-fill. Returns the zone tried, if any, with its error.
 */
export async function buildDueZone(db: Db): Promise<{ tz: string; error?: string } | undefined> {
  const { rows } = await sql<{ tz: string }>`
    update rollup_zones set build_attempts = build_attempts + 1,
      build_due_at = now() + ${ZONE_BUILD_LEASE}::interval
    where tz = (select tz from rollup_zones where ready_at is null and build_due_at <= now()
      order by build_due_at limit 1 for update skip locked)
    returning tz`.execute(db);
  const tz = rows[0]?.tz;
  if (tz === undefined) return undefined;
  const renewLease = async () => {
    await sql`update rollup_zones set build_due_at = now() + ${ZONE_BUILD_LEASE}::interval
      where tz = ${tz}`.execute(db);
  };
  try {
    await backfill(db, { zones: [tz], utc: false, onChunk: renewLease });
    await db
      .updateTable('rollup_zones')
      .set({ ready_at: sql<Date>`now()`, build_error: null })
      .where('tz', '=', tz)
      .execute();
    return { tz };
  } catch (err) {
    const error = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    await sql`update rollup_zones set build_error = ${error},
        build_due_at = now() + least(interval '15 minutes', interval '10 seconds' * power(2, build_attempts - 1))
      where tz = ${tz}`.execute(db);
    return { tz, error };
  }
}
