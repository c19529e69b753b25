import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // A zone's back-fill is a claimed, retried build, so a zone never stays half-built: a worker
  // claims a zone without `ready_at` whose `build_due_at` has passed (a lease it renews while it
  // works), and a failure leaves its error and a later due time for the next try.
  await sql`
    alter table rollup_zones
      add column build_attempts int not null default 0,
      add column build_due_at timestamptz not null default now(),
      add column build_error text`.execute(db);
  // Zones given in another letter case before names were made canonical (`asia/kolkata`) are
  // dropped with their rows: the canonical zone is registered again the next time it is asked for.
  await sql`
    with stale as (
      delete from rollup_zones z
      where z.tz <> 'UTC' and not exists (select 1 from pg_timezone_names n where n.name = z.tz)
      returning z.tz)
    delete from rollups r using stale where r.tz = stale.tz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table rollup_zones drop column build_attempts, drop column build_due_at, drop column build_error`.execute(
    db,
  );
}
