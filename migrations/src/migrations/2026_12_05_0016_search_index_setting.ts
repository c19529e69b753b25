import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // Which search index the roll-ups assume (X_SEARCH_INDEX, written by workers at start):
  // 'auto' observes it per UTC day, '2026' (no reposts in search) and 'legacy' force it.
  // No row is 'auto'.
  await sql`
    create table search_index_setting (
      id boolean primary key default true check (id),
      mode text not null check (mode in ('auto', '2026', 'legacy')),
      updated_at timestamptz not null default now()
    )`.execute(db);
  // A roll-up asks of each UTC day whether search returned a repost of it: on X's 2026 index the
  // answer is always no, and this index (empty there) gives it without reading the day's posts.
  await sql`create index posts_reposts_created_at_idx on posts (created_at) where kind = 'repost'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index posts_reposts_created_at_idx`.execute(db);
  await sql`drop table search_index_setting`.execute(db);
}
