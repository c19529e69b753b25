import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // The network whose series a rule watches: one network's, or every network's together ('all',
  // what every rule stored so far watched).
  await sql`alter table alert_rules add column network text not null default 'all'
    check (network in ('all', 'x', 'bluesky', 'mastodon'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table alert_rules drop column network`.execute(db);
}
