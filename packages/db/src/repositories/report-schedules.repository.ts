import type { Insertable, Kysely, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { Database, ReportScheduleRow, ReportSchedulesTable } from '../database.js';

type Db = Kysely<Database>;

export type NewReportSchedule = Omit<Insertable<ReportSchedulesTable>, 'id' | 'created_at' | 'updated_at'>;
export type ReportSchedulePatch = Omit<Updateable<ReportSchedulesTable>, 'id' | 'created_at' | 'updated_at'>;

export async function createSchedule(db: Db, schedule: NewReportSchedule): Promise<ReportScheduleRow> {
  return db.insertInto('report_schedules').values(schedule).returningAll().executeTakeFirstOrThrow();
}

export async function getSchedule(db: Db, id: string): Promise<ReportScheduleRow | undefined> {
  return db.selectFrom('report_schedules').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every schedule, oldest first; `enabledOnly` for the ones a worker keeps job schedulers for. */
export async function listSchedules(db: Db, { enabledOnly = false } = {}): Promise<ReportScheduleRow[]> {
  let query = db.selectFrom('report_schedules').selectAll().orderBy('created_at').orderBy('id');
  if (enabledOnly) query = query.where('enabled', '=', true);
  return query.execute();
}

/** Applies a patch; undefined when there is no such schedule. */
export async function updateSchedule(
  db: Db,
  id: string,
  patch: ReportSchedulePatch,
): Promise<ReportScheduleRow | undefined> {
  return db
    .updateTable('report_schedules')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes a schedule; its reports stay (their schedule_id becomes null). */
export async function deleteSchedule(db: Db, id: string): Promise<boolean> {
  const res = await db.deleteFrom('report_schedules').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/**
 * Records that a period's report could not be built (every attempt failed), so the schedule shows
 * it instead of nothing. The latest failure is kept; a report stored for that period clears it.
 */
export async function recordFailure(
  db: Db,
  id: string,
  failure: { period: { from: Date; to: Date }; error: string },
): Promise<void> {
  await db
    .updateTable('report_schedules')
    .set({
      last_failure_period_start: failure.period.from,
      last_failure_period_end: failure.period.to,
      last_failure_error: failure.error.slice(0, 1_000),
      last_failure_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
}

/** Clears the schedule's failure if it was this period's (its report is stored now). */
export async function clearFailure(db: Db, id: string, period: { from: Date; to: Date }): Promise<void> {
  await db
    .updateTable('report_schedules')
    .set({
      last_failure_period_start: null,
      last_failure_period_end: null,
      last_failure_error: null,
      last_failure_at: null,
    })
    .where('id', '=', id)
    .where('last_failure_period_start', '=', period.from)
    .where('last_failure_period_end', '=', period.to)
    .execute();
}
