import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // One row per search query (several hashtags share a query). The cursor advances in the same
  // transaction as the page it was read from, so a crash never skips nor repeats a page.
  await db.schema
    .createTable('capture_cursors')
    .addColumn('query_key', 'text', (c) => c.primaryKey())
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('tag_keys', sql`text[]`, (c) => c.notNull())
    // The newest id of the last completed poll cycle: the next cycle reads from here (less the overlap).
    .addColumn('since_id', 'text')
    // A cycle in progress (X's polling pattern: every page of a cycle is read with the same since_id,
    // and the cursor moves to the cycle's newest id only when the last page is in). Pages go back
    // with until_id = the oldest id read so far, not with next_token: a token is bound to its
    // request's since_id, which a long backfill must move as the 7-day window slides.
    .addColumn('cycle_since_id', 'text')
    .addColumn('cycle_newest_id', 'text')
    .addColumn('cycle_until_id', 'text')
    // When the current cycle, or the last one, began: every post searchable then is stored once it ends.
    .addColumn('cycle_started_at', 'timestamptz')
    // Optimistic concurrency: a writer commits only if the version it read is still current.
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('idle')
        .check(
          sql`status in ('idle', 'ok', 'backfilling', 'rate_limited', 'usage_capped', 'auth_failed', 'error', 'retired')`,
        ),
    )
    .addColumn('last_poll_at', 'timestamptz')
    .addColumn('last_success_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('rate_limit_remaining', 'integer')
    .addColumn('rate_limit_reset_at', 'timestamptz')
    .addColumn('posts_stored', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('posts_rejected', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // What capture could not reach, with why. Gaps are shown, never hidden.
  await db.schema
    .createTable('capture_gaps')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('query_key', 'text', (c) => c.notNull())
    .addColumn('tag_keys', sql`text[]`, (c) => c.notNull())
    .addColumn('start_at', 'timestamptz', (c) => c.notNull())
    .addColumn('end_at', 'timestamptz', (c) => c.notNull())
    .addColumn('cause', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`cause in ('rate_limited', 'usage_cap', 'api_error', 'auth', 'worker_down', 'beyond_search_window')`,
        ),
    )
    .addColumn('detail', 'text')
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('capture_gaps_bounds', sql`end_at >= start_at`)
    .addUniqueConstraint('capture_gaps_unique', ['query_key', 'start_at', 'cause'])
    .execute();
  await db.schema
    .createIndex('capture_gaps_time_idx')
    .on('capture_gaps')
    .columns(['start_at', 'end_at'])
    .execute();

  // Per hashtag and hour: what capture stored against what X's counts endpoint says exists.
  // ratio is null when X counts nothing in the hour.
  await db.schema
    .createTable('capture_coverage')
    .addColumn('tag_key', 'text', (c) => c.notNull())
    .addColumn('hour_start', 'timestamptz', (c) => c.notNull())
    .addColumn('captured', 'bigint', (c) => c.notNull())
    .addColumn('x_count', 'bigint', (c) => c.notNull())
    .addColumn('ratio', 'double precision')
    .addColumn('measured_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('capture_coverage_pk', ['tag_key', 'hour_start'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('capture_coverage').execute();
  await db.schema.dropTable('capture_gaps').execute();
  await db.schema.dropTable('capture_cursors').execute();
}
