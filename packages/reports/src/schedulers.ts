import { firePattern } from '@tagpulse/core';
import { type Database, type ReportScheduleRow, reportSchedulesRepository } from '@tagpulse/db';
import { jobCatalog, type Queues, removeSchedulesExcept } from '@tagpulse/queue';
import type { Kysely } from 'kysely';

const def = jobCatalog['build-report'];

export function reportSchedulerId(scheduleId: string): string {
  return def.schedulerId({ scheduleId });
}

/**
 * Makes the schedule's BullMQ job scheduler match its row: a cron pattern in the schedule's zone
 * (BullMQ keeps it in Redis, so it survives restarts; upserting again changes nothing), or none when
 * the schedule is disabled. The API and the CLI call this after each change; workers at start.
 */
export async function applySchedule(queues: Queues, row: ReportScheduleRow): Promise<void> {
  const id = reportSchedulerId(row.id);
  if (!row.enabled) {
    await queues[def.queue].removeJobScheduler(id);
    return;
  }
  await queues[def.queue].upsertJobScheduler(
    id,
    { pattern: firePattern(row.period, row.send_at), tz: row.tz },
    { name: 'build-report', data: { scheduleId: row.id }, opts: def.opts },
  );
}

export async function removeSchedule(queues: Queues, scheduleId: string): Promise<void> {
  await queues[def.queue].removeJobScheduler(reportSchedulerId(scheduleId));
}

/** Where a schedule lives: its row in Postgres, its job scheduler in BullMQ. */
export interface ScheduleStore {
  db: Kysely<Database>;
  queues: Queues;
}

/** A checked schedule stored, its job scheduler written: it runs without a worker restart. */
export async function createSchedule(
  { db, queues }: ScheduleStore,
  input: reportSchedulesRepository.NewReportSchedule,
): Promise<ReportScheduleRow> {
  const row = await reportSchedulesRepository.createSchedule(db, input);
  await applySchedule(queues, row);
  return row;
}

/** A schedule changed, its job scheduler with it; undefined when there is no such schedule. */
export async function updateSchedule(
  { db, queues }: ScheduleStore,
  id: string,
  input: reportSchedulesRepository.ReportSchedulePatch,
): Promise<ReportScheduleRow | undefined> {
  const row = await reportSchedulesRepository.updateSchedule(db, id, input);
  if (row) await applySchedule(queues, row);
  return row;
}

/** A schedule deleted with its job scheduler (its reports stay); false when there was none. */
export async function deleteSchedule({ db, queues }: ScheduleStore, id: string): Promise<boolean> {
  if (!(await reportSchedulesRepository.deleteSchedule(db, id))) return false;
  await removeSchedule(queues, id);
  return true;
}

/**
 * Job schedulers for every enabled schedule and for nothing else: the API and
 * the CLI commit a schedule, then write its scheduler to Redis, and Redis can
 * fail in between (or be restored from an old dump, or wiped). Workers call
 * this at start and on every hashtag sync, so the two converge within one
 * sync interval; a scheduler already right is left alone (no rewrite by a
 * fleet on every tick). Redis is read before Postgres: a scheduler written
 * after its row committed is then never taken for a stale one.
 */
export async function reconcileSchedules(
  db: Kysely<Database>,
  queues: Queues,
): Promise<{ schedules: number; applied: number; removed: number }> {
  const existing = new Map(
    (await queues[def.queue].getJobSchedulers()).map((s) => [s.key, `${s.pattern ?? ''} ${s.tz ?? ''}`]),
  );
  const rows = await reportSchedulesRepository.listSchedules(db, { enabledOnly: true });
  let applied = 0;
  for (const row of rows) {
    if (existing.get(reportSchedulerId(row.id)) === `${firePattern(row.period, row.send_at)} ${row.tz}`)
      continue;
    await applySchedule(queues, row);
    applied += 1;
  }
  const removed = await removeSchedulesExcept(
    queues,
    def.queue,
    'report-',
    new Set(rows.map((r) => reportSchedulerId(r.id))),
  );
  return { schedules: rows.length, applied, removed: removed.length };
}
