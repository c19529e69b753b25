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
