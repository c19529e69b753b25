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

  // A dense number per author, so a set of authors is a bitmap: given the first time a roll-up
  // sees the author (never on upsert, which would spend a sequence value per page).
  await sql`
    create table author_numbers (
      author_id text primary key,
      author_no int generated always as identity unique
    )`.execute(db);
  // Each UTC hour's distinct authors per scope, with the followers they had when the hour was
  // computed: (author_no, followers) as big-endian uint32 pairs, ascending by author_no. A
  // period's unique authors and potential reach are the union of its hours' sets, exact, without
  // reading its posts. Written for every hour a roll-up computes, empty ones included, so a
  // missing row means "not computed yet" (history before this migration until recomputed). As
  // with roll-ups, a row is replaced only by a computation that started later.
  await sql`
    create table rollup_hour_authors (
      scope text not null,
      bucket_start timestamptz not null,
      authors bytea not null,
      computed_at timestamptz not null,
      primary key (scope, bucket_start)
    )`.execute(db);
  // Existing hours get their sets through the roll-up outbox, as 0007 gave them their top posts;
  // until then a period reads its posts.
  await sql`
    insert into rollup_dirty (bucket_start)
    select distinct date_bin('5 minutes', created_at, timestamptz 'epoch') from post_hashtags
    on conflict (bucket_start) do nothing`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table rollup_hour_authors`.execute(db);
  await sql`drop table author_numbers`.execute(db);
  await sql`
    alter table rollup_zones drop column build_attempts, drop column build_due_at, drop column build_error`.execute(
    db,
  );
}
