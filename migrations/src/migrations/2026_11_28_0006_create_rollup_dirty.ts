import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // The roll-up outbox: the 5-minute buckets (UTC) whose posts changed. A stored page or an
  // engagement refresh marks its buckets in its own transaction, so a crash between the write and
  // the roll-up job loses nothing; the job claims rows and recomputes in one transaction.
  await db.schema
    .createTable('rollup_dirty')
    .addColumn('bucket_start', 'timestamptz', (c) => c.primaryKey())
    // Rewritten by every mark, so a mark takes the row's lock: a claim waits for the marking
    // transaction and then sees its posts, instead of consuming a mark whose posts it cannot see yet.
    .addColumn('marked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rollup_dirty').execute();
}
