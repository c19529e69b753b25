import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('hashtags')
    // Case- and accent-folded, as X search matches them; the display spelling is kept beside it.
    .addColumn('tag_key', 'text', (c) => c.primaryKey())
    .addColumn('display', 'text', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('hashtags_tag_key_not_empty', sql`tag_key <> ''`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('hashtags').execute();
}
