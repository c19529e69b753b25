import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // API keys: only a SHA-256 of the secret is stored; the key is shown once, when created.
  // `id` is the public part of the key (`tp_<id>_<secret>`), so a request finds its row by
  // primary key and compares one hash in constant time.
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('read', 'admin')`))
    .addColumn('name', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  // Time zones whose hour (when not UTC-aligned), day and week roll-ups are kept up to date.
  // A zone is registered the first time a series asks for it, then back-filled from the posts;
  // its stored rows are read only once `ready_at` is set (until then series are computed).
  await db.schema
    .createTable('rollup_zones')
    .addColumn('tz', 'text', (c) => c.primaryKey())
    .addColumn('registered_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ready_at', 'timestamptz')
    .execute();
  await sql`insert into rollup_zones (tz, ready_at) values ('UTC', now())`.execute(db);

  // Distinct authors over a period (summaries, top authors) read the authors of a hashtag's
  // time range from the index alone, without visiting the post_hashtags heap.
  await sql`create index post_hashtags_tag_time_author_idx on post_hashtags (tag_key, created_at) include (author_id)`.execute(
    db,
  );
  // Rows computed with older metric definitions are found without a scan of every roll-up.
  await sql`create index rollups_definitions_version_idx on rollups (definitions_version)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index rollups_definitions_version_idx`.execute(db);
  await sql`drop index post_hashtags_tag_time_author_idx`.execute(db);
  await db.schema.dropTable('rollup_zones').execute();
  await db.schema.dropTable('api_keys').execute();
}
