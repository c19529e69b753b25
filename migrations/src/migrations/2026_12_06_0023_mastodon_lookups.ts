import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // A Mastodon status is stored by its uri but fetched by the local id of an instance that has it:
  // the instance it was first read from (its configured base URL) and its id there.
  await sql`
    create table mastodon_status_locations (
      post_id text primary key,
      instance text not null,
      local_id text not null check (local_id ~ '^[0-9]+$')
    )`.execute(db);
  // Engagement look-ups back off per source (a network, or one Mastodon instance) until its rate
  // window resets, so one source's 429 holds none of the others.
  await sql`
    create table refresh_backoffs (
      source text primary key,
      until timestamptz not null
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table refresh_backoffs`.execute(db);
  await sql`drop table mastodon_status_locations`.execute(db);
}
