import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // Coverage and gaps per network: what each source could not see. Every gap recorded before is
  // X's (the only source that recorded any).
  await sql`
    alter table capture_gaps
      add column network text not null default 'x'
        check (network in ('x', 'bluesky', 'mastodon'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table capture_gaps drop column network`.execute(db);
}
