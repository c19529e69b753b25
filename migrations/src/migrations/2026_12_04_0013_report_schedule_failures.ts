import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // A report that could not be built after all its attempts (and the worker's catch-up's): the
  // period, the error and when, on its schedule, until that period's report is stored.
  await sql`
    alter table report_schedules
      add column last_failure_period_start timestamptz,
      add column last_failure_period_end timestamptz,
      add column last_failure_error text,
      add column last_failure_at timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table report_schedules
      drop column last_failure_period_start,
      drop column last_failure_period_end,
      drop column last_failure_error,
      drop column last_failure_at`.execute(db);
}
