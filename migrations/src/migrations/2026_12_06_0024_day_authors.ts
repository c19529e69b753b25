import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // Each finished UTC day's distinct authors per scope and network, in the layout of
  // `rollup_hour_authors` (0012), merged from its hour sets (an author with the followers of the
  // newest hour holding them), so a period's whole days read one set each instead of 24.
  // `hours` and `hours_stamp` are the count and the summed computed_at (microseconds since the
  // epoch) of the scope's all-networks hour sets the day was merged from: an hour's computed_at
  // only grows, so a reader uses the day only while its hours still give the same pair, and reads
  // the hours otherwise. Days are written by the roll-ups; history gets them as its hours are
  // recomputed (until then, periods read hours as before).
  await sql`
    create table rollup_day_authors (
      scope text not null,
      network text not null,
      day_start timestamptz not null,
      authors bytea not null,
      hours int not null,
      hours_stamp bigint not null,
      computed_at timestamptz not null,
      primary key (scope, network, day_start)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table rollup_day_authors`.execute(db);
}
