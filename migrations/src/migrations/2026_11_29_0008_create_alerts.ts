import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // A rule watches one series (a hashtag's, or all tracked hashtags' together: scope '*').
  // Windows, silences and channels are small lists read whole with the rule: jsonb, not tables.
  await sql`
    create table alert_rules (
      id uuid primary key default gen_random_uuid(),
      name text not null,
      scope text not null,
      metric text not null,
      grain text not null check (grain in ('5m', '1h')),
      sensitivity int not null check (sensitivity between 1 and 10),
      min_volume float8 not null check (min_volume >= 0),
      min_coverage float8 not null check (min_coverage between 0 and 1),
      pending_minutes int not null check (pending_minutes >= 0),
      recovery_buckets int not null check (recovery_buckets >= 1),
      repeat_minutes int check (repeat_minutes > 0),
      tz text not null,
      quiet_hours jsonb not null default '[]',
      silences jsonb not null default '[]',
      expected_windows jsonb not null default '[]',
      channels jsonb not null default '[]',
      enabled boolean not null default true,
      is_default boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  // One default rule per hashtag, created by whichever worker sees the hashtag first.
  await sql`create unique index alert_rules_default_idx on alert_rules (scope) where is_default`.execute(db);

  // The evaluation state of a rule on a series: the detector's memory, the state machine, and how
  // far the series has been read. Evaluations lock this row, so several workers take turns.
  await sql`
    create table alert_series_state (
      rule_id uuid not null references alert_rules (id) on delete cascade,
      series text not null,
      state text not null check (state in ('normal', 'pending', 'firing', 'resolved', 'no_data', 'low_coverage')),
      state_since timestamptz not null,
      evaluated_until timestamptz,
      detector jsonb,
      machine jsonb not null,
      updated_at timestamptz not null default now(),
      primary key (rule_id, series)
    )`.execute(db);

  // One row per episode (a spike, or a stalled capture): the history GET /v1/alerts lists.
  await sql`
    create table alerts (
      id bigint generated always as identity primary key,
      rule_id uuid not null references alert_rules (id) on delete cascade,
      series text not null,
      kind text not null check (kind in ('spike', 'stalled')),
      status text not null check (status in ('pending', 'firing', 'resolved')),
      started_at timestamptz not null,
      fired_at timestamptz,
      resolved_at timestamptz,
      observed float8,
      expected float8,
      lower float8,
      upper float8,
      score float8,
      peak float8,
      expected_event text,
      acknowledged_at timestamptz,
      acknowledged_by text,
      details jsonb not null default '{}',
      created_at timestamptz not null default now(),
      unique (rule_id, series, kind, started_at)
    )`.execute(db);
  await sql`create index alerts_started_idx on alerts (started_at desc)`.execute(db);
  await sql`create index alerts_rule_idx on alerts (rule_id, started_at desc)`.execute(db);

  // The delivery ledger, for every message tagpulse sends (alert notices now, reports next): one
  // row per message and channel, unique, so an evaluation replayed after a crash or run by two
  // workers at once cannot queue a message twice. Sent, then marked: a worker that dies in between
  // leaves a lease that expires, and the retry carries the same idempotency key.
  await sql`
    create table deliveries (
      id bigint generated always as identity primary key,
      message_key text not null,
      alert_id bigint references alerts (id) on delete cascade,
      kind text not null,
      message jsonb not null,
      channel_key text not null,
      channel jsonb not null,
      idempotency_key text not null unique,
      status text not null check (status in ('pending', 'sending', 'sent', 'failed')),
      attempts int not null default 0,
      next_attempt_at timestamptz not null default now(),
      lease_until timestamptz,
      last_error text,
      sent_at timestamptz,
      created_at timestamptz not null default now(),
      unique (message_key, channel_key)
    )`.execute(db);
  await sql`create index deliveries_due_idx on deliveries (next_attempt_at) where status in ('pending', 'sending')`.execute(
    db,
  );
  await sql`create index deliveries_alert_idx on deliveries (alert_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table deliveries`.execute(db);
  await sql`drop table alerts`.execute(db);
  await sql`drop table alert_series_state`.execute(db);
  await sql`drop table alert_rules`.execute(db);
}
