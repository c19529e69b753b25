import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // A back-fill of past posts from X's full archive: the request, its estimate from counts/all, and
  // where its search/all paging stands. `next_token` and `version` are its cursor: each page is
  // stored with them in one statement (the page store's), guarded by the version, so a worker
  // killed mid-page resumes at the page after the last one committed. What it spent is the spend
  // ledger's rows of query key `backfill-<id>`.
  await sql`
    create table backfills (
      id uuid primary key default gen_random_uuid(),
      query text not null,
      tag_keys text[] not null,
      from_at timestamptz not null,
      to_at timestamptz not null,
      max_usd numeric(14, 6),
      estimate_only boolean not null default false,
      status text not null default 'estimating'
        check (status in ('estimating', 'refused', 'estimated', 'running', 'done', 'failed')),
      estimated_posts integer,
      estimated_requests integer,
      estimated_usd numeric(14, 6),
      estimated_seconds integer,
      counts_requests integer not null default 0,
      error text,
      next_token text,
      version integer not null default 0,
      pages integer not null default 0,
      posts_stored integer not null default 0,
      posts_rejected integer not null default 0,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      updated_at timestamptz not null default now(),
      check (from_at < to_at)
    )`.execute(db);
  await sql`create index backfills_created_at_idx on backfills (created_at desc)`.execute(db);
  await sql`create index x_spend_query_key_idx on x_spend (query_key)`.execute(db);

  await sql`alter table x_spend drop constraint x_spend_purpose_check`.execute(db);
  await sql`
    alter table x_spend add constraint x_spend_purpose_check check (purpose in
      ('poll', 'overlap', 'refresh', 'coverage', 'usage', 'backfill'))`.execute(db);

  // A gap a back-fill read from the archive: it stays (what live capture missed, and why) and says
  // which back-fill filled it.
  await sql`
    alter table capture_gaps
      add column filled_by uuid references backfills (id),
      add column filled_at timestamptz`.execute(db);

  // An episode found in back-filled history: recorded like a live one, never notified.
  await sql`alter table alerts add column backfill_id uuid references backfills (id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from alerts where backfill_id is not null`.execute(db);
  await sql`alter table alerts drop column backfill_id`.execute(db);
  await sql`alter table capture_gaps drop column filled_by, drop column filled_at`.execute(db);
  await sql`update x_spend set purpose = 'poll' where purpose = 'backfill'`.execute(db);
  await sql`alter table x_spend drop constraint x_spend_purpose_check`.execute(db);
  await sql`
    alter table x_spend add constraint x_spend_purpose_check check (purpose in
      ('poll', 'overlap', 'refresh', 'coverage', 'usage'))`.execute(db);
  await sql`drop index x_spend_query_key_idx`.execute(db);
  await sql`drop table backfills`.execute(db);
}
