import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // A schedule: what to report on (hashtag keys; none = all tracked), over which period (daily,
  // weekly, monthly or a cron expression), in which zone, and where to send it. Its BullMQ job
  // scheduler is derived from this row; the row is the truth a worker re-applies at start.
  await sql`
    create table report_schedules (
      id uuid primary key default gen_random_uuid(),
      name text not null,
      hashtags text[] not null default '{}',
      period text not null,
      send_at text,
      tz text not null,
      recipients text[] not null default '{}',
      webhooks text[] not null default '{}',
      formats text[] not null default '{html}',
      channels text[] not null default '{email}',
      send_when_empty boolean not null default false,
      enabled boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);

  // Every report built, with the model every form is rendered from and its chart. One per schedule
  // and period: a retried or doubled run finds the row and sends nothing new. The period's end is in
  // the key too, so a schedule changed from daily to weekly still gets the week that starts on a
  // reported day. Deliveries are rows of the delivery ledger (message key report/<id>). A report
  // outlives its schedule.
  await sql`
    create table reports (
      id bigint generated always as identity primary key,
      schedule_id uuid references report_schedules (id) on delete set null,
      period_start timestamptz not null,
      period_end timestamptz not null,
      tz text not null,
      period_kind text not null,
      hashtags text[] not null,
      fired_at timestamptz,
      skipped_reason text,
      model jsonb not null,
      chart_png bytea not null,
      created_at timestamptz not null default now(),
      unique (schedule_id, period_start, period_end)
    )`.execute(db);
  await sql`create index reports_created_idx on reports (created_at desc, id desc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table reports`.execute(db);
  await sql`drop table report_schedules`.execute(db);
}
