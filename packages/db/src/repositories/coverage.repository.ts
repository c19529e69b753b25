import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { CaptureCoverageRow, Database } from '../database.js';
import { recordSpend, type SpendEntry } from './spend-ledger.repository.js';

type Db = Kysely<Database>;

/** Stored, not deleted X posts of a hashtag per hour in [from, to) (what X's counts count). Hours without posts are absent. */
export async function capturedPerHour(
  db: Db,
  tagKey: string,
  from: Date,
  to: Date,
): Promise<Map<number, number>> {
  const { rows } = await sql<{ hour: Date; n: number }>`
    select date_trunc('hour', ph.created_at) as hour, count(*)::int8 as n
    from post_hashtags ph join posts p on p.edit_root_id = ph.post_id and p.created_at = ph.created_at
    where ph.tag_key = ${tagKey} and ph.created_at >= ${from} and ph.created_at < ${to} and p.deleted_at is null
      and p.network = 'x'
    group by 1`.execute(db);
  return new Map(rows.map((r) => [r.hour.getTime(), r.n]));
}

export interface CoverageReading {
  tagKey: string;
  hourStart: Date;
  captured: number;
  xCount: number;
  measuredAt: Date;
}

/**
 * Stores readings, with the counts request that measured them in the spend
 * ledger; a later reading of the same hour replaces the earlier one.
 */
export async function upsertCoverage(db: Db, readings: CoverageReading[], spend?: SpendEntry): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (spend) await recordSpend(trx, spend);
    await writeReadings(trx, readings);
  });
}

async function writeReadings(db: Kysely<Database>, readings: CoverageReading[]): Promise<void> {
  if (readings.length === 0) return;
  await db
    .insertInto('capture_coverage')
    .values(
      readings.map((r) => ({
        tag_key: r.tagKey,
        hour_start: r.hourStart,
        captured: r.captured,
        x_count: r.xCount,
        ratio: r.xCount === 0 ? null : r.captured / r.xCount,
        measured_at: r.measuredAt,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['tag_key', 'hour_start']).doUpdateSet((eb) => ({
        captured: eb.ref('excluded.captured'),
        x_count: eb.ref('excluded.x_count'),
        ratio: eb.ref('excluded.ratio'),
        measured_at: eb.ref('excluded.measured_at'),
      })),
    )
    .execute();
}

/** When coverage was last measured, for any hashtag. */
export async function lastMeasuredAt(db: Db): Promise<Date | null> {
  const row = await db
    .selectFrom('capture_coverage')
    .select((eb) => eb.fn.max('measured_at').as('at'))
    .executeTakeFirst();
  return row?.at ?? null;
}

export async function listCoverage(
  db: Db,
  { tagKey, from, to }: { tagKey: string; from: Date; to: Date },
): Promise<CaptureCoverageRow[]> {
  return db
    .selectFrom('capture_coverage')
    .selectAll()
    .where('tag_key', '=', tagKey)
    .where('hour_start', '>=', from)
    .where('hour_start', '<', to)
    .orderBy('hour_start')
    .execute();
}
