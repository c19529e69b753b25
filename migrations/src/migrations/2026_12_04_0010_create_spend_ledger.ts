import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // The spend ledger: every X request that returned, what it billed and why it was made. Written in
  // the transaction that stores what the request brought. `at` is X's time (x-sim's clock on x-sim).
  await sql`
    create table x_spend (
      id bigint generated always as identity primary key,
      at timestamptz not null,
      endpoint text not null,
      purpose text not null
        check (purpose in ('poll', 'overlap', 'refresh', 'coverage', 'usage')),
      query_key text,
      tag_keys text[] not null default '{}',
      posts_returned integer not null,
      posts_billed integer not null,
      users_returned integer not null,
      users_billed integer not null,
      counts_requests integer not null,
      usd numeric(14, 6) not null
    )`.execute(db);
  await sql`create index x_spend_at_idx on x_spend (at)`.execute(db);

  // What has been read on each UTC day, as X bills a post (or user) once a day however often it is
  // returned: a read is billed only when its row is new.
  await sql`
    create table x_billed_reads (
      day date not null,
      kind text not null check (kind in ('post', 'user')),
      resource_id text not null,
      primary key (day, kind, resource_id)
    )`.execute(db);

  // X's own figure (GET /2/usage/tweets): posts counted against the project per UTC day.
  await sql`
    create table x_usage_days (
      day date primary key,
      posts bigint not null,
      fetched_at timestamptz not null
    )`.execute(db);

  // Where spending stands against the monthly budget: the degradation step capture is at, per
  // billing month (UTC calendar month). The notices are rows of the delivery ledger, unique per month
  // and threshold. `monthly_usd` of the one settings row is the budget set at run time (API, CLI),
  // which wins over X_MONTHLY_BUDGET_USD, so raising it needs no restart.
  await sql`
    create table capture_budget (
      month date primary key,
      step text not null check (step in ('normal', 'thin_refresh', 'sparse_coverage', 'slow_polling', 'paused')),
      spent_usd numeric(14, 6) not null,
      budget_usd numeric(14, 6) not null,
      paused_at timestamptz,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table budget_setting (
      id boolean primary key default true check (id),
      monthly_usd numeric(14, 6) check (monthly_usd >= 0),
      updated_at timestamptz not null default now()
    )`.execute(db);

  await sql`alter table capture_cursors drop constraint capture_cursors_status_check`.execute(db);
  await sql`
    alter table capture_cursors add constraint capture_cursors_status_check check (status in
      ('idle', 'ok', 'backfilling', 'rate_limited', 'usage_capped', 'auth_failed', 'error', 'retired', 'budget_paused'))`.execute(
    db,
  );
  await sql`alter table capture_gaps drop constraint capture_gaps_cause_check`.execute(db);
  await sql`
    alter table capture_gaps add constraint capture_gaps_cause_check check (cause in
      ('rate_limited', 'usage_cap', 'api_error', 'auth', 'worker_down', 'beyond_search_window', 'budget'))`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table capture_gaps drop constraint capture_gaps_cause_check`.execute(db);
  await sql`
    alter table capture_gaps add constraint capture_gaps_cause_check check (cause in
      ('rate_limited', 'usage_cap', 'api_error', 'auth', 'worker_down', 'beyond_search_window'))`.execute(db);
  await sql`update capture_cursors set status = 'idle' where status = 'budget_paused'`.execute(db);
  await sql`alter table capture_cursors drop constraint capture_cursors_status_check`.execute(db);
  await sql`
    alter table capture_cursors add constraint capture_cursors_status_check check (status in
      ('idle', 'ok', 'backfilling', 'rate_limited', 'usage_capped', 'auth_failed', 'error', 'retired'))`.execute(
    db,
  );
  await sql`drop table budget_setting`.execute(db);
  await sql`drop table capture_budget`.execute(db);
  await sql`drop table x_usage_days`.execute(db);
  await sql`drop table x_billed_reads`.execute(db);
  await sql`drop table x_spend`.execute(db);
}
