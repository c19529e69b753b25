import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // The API keeps verified keys in memory; every change of the table (a key created, revoked or
  // deleted, whoever makes it: the CLI, another API process, psql) tells it to forget them, on commit.
  await sql`
    create function tagpulse_notify_api_keys() returns trigger language plpgsql as $$
    begin
      perform pg_notify('tagpulse_changes', '{"table":"api_keys"}');
      return null;
    end $$`.execute(db);
  await sql`
    create trigger api_keys_notify after insert or update or delete or truncate on api_keys
    for each statement execute function tagpulse_notify_api_keys()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger api_keys_notify on api_keys`.execute(db);
  await sql`drop function tagpulse_notify_api_keys()`.execute(db);
}
