import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // One row per series point. `scope` is a hashtag key or '*' for all tracked hashtags together;
  // days and weeks depend on the time zone, so it is part of the key. Distinct counts are stored
  // per bucket, never summed across buckets. engagement_rate is derived (engagements / impressions).
  await db.schema
    .createTable('rollups')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('grain', 'text', (c) => c.notNull().check(sql`grain in ('5m', '1h', '1d', '1w')`))
    .addColumn('tz', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('bucket_start', 'timestamptz', (c) => c.notNull())
    .addColumn('posts', 'bigint', (c) => c.notNull())
    .addColumn('originals', 'bigint', (c) => c.notNull())
    .addColumn('replies', 'bigint', (c) => c.notNull())
    .addColumn('quotes', 'bigint', (c) => c.notNull())
    .addColumn('reposts', 'bigint', (c) => c.notNull())
    .addColumn('unique_authors', 'bigint', (c) => c.notNull())
    .addColumn('potential_reach', 'bigint', (c) => c.notNull())
    .addColumn('impressions', 'bigint', (c) => c.notNull())
    .addColumn('engagements', 'bigint', (c) => c.notNull())
    // The version of the metric definitions the row was computed with; a change recomputes history.
    .addColumn('definitions_version', 'integer', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('rollups_pk', ['scope', 'grain', 'tz', 'bucket_start'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rollups').execute();
}
