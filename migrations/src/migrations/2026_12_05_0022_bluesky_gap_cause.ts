import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
const BEFORE = `'rate_limited', 'usage_cap', 'api_error', 'auth', 'worker_down', 'beyond_search_window', 'budget'`;

/** A Jetstream cursor older than what the Jetstream replays, with no search to catch up: its own cause. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table capture_gaps drop constraint capture_gaps_cause_check`.execute(db);
  await sql
    .raw(
      `alter table capture_gaps add constraint capture_gaps_cause_check check (cause in
        (${BEFORE}, 'beyond_replay_window'))`,
    )
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from capture_gaps where cause = 'beyond_replay_window'`.execute(db);
  await sql`alter table capture_gaps drop constraint capture_gaps_cause_check`.execute(db);
  await sql
    .raw(`alter table capture_gaps add constraint capture_gaps_cause_check check (cause in (${BEFORE}))`)
    .execute(db);
}
