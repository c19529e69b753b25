import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('authors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('followers_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('following_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('post_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('listed_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('verified', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('verified_type', 'text')
    .addColumn('account_created_at', 'timestamptz')
    // When the counts above were observed: a later sighting only overwrites with newer figures.
    .addColumn('observed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('authors_followers_idx')
    .on('authors')
    .columns(['followers_count desc'])
    .execute();

  // Posts are partitioned by month of created_at so a busy year stays fast and old months can be
  // detached. A partitioned table's keys must include the partition column, hence (edit_root_id, created_at).
  // One row per edit chain: `id` is the latest version seen, `edit_root_id` the chain's first id, and
  // `created_at` the chain's creation time, so an edit never moves a post to another bucket.
  await sql`
    create table posts (
      edit_root_id text not null,
      id text not null,
      author_id text not null,
      created_at timestamptz not null,
      text text not null,
      lang text,
      kind text not null check (kind in ('original', 'reply', 'quote', 'repost')),
      referenced_post_id text,
      conversation_id text,
      like_count bigint not null default 0,
      repost_count bigint not null default 0,
      reply_count bigint not null default 0,
      quote_count bigint not null default 0,
      bookmark_count bigint not null default 0,
      impression_count bigint not null default 0,
      metrics_observed_at timestamptz not null,
      first_seen_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      deleted_at timestamptz,
      -- Engagement refresh: how many of the +1 h, +24 h, +7 d look-ups are done, and when the next
      -- is due (null when none is left or the post is deleted).
      refresh_stage smallint not null default 0,
      refresh_due_at timestamptz,
      raw jsonb not null,
      primary key (edit_root_id, created_at)
    ) partition by range (created_at)
  `.execute(db);
  await sql`create index posts_id_idx on posts (id)`.execute(db);
  await sql`create index posts_author_created_idx on posts (author_id, created_at)`.execute(db);
  await sql`create index posts_created_idx on posts (created_at)`.execute(db);
  await sql`create index posts_refresh_due_idx on posts (refresh_due_at) where refresh_due_at is not null`.execute(
    db,
  );

  // Every hashtag of a post (tracked or not, for co-occurrence), case-folded. created_at and
  // author_id are copied from the post so roll-ups scan one index range per hashtag and bucket.
  await sql`
    create table post_hashtags (
      tag_key text not null,
      created_at timestamptz not null,
      post_id text not null,
      author_id text not null,
      primary key (tag_key, created_at, post_id),
      foreign key (post_id, created_at) references posts (edit_root_id, created_at) on delete cascade
    ) partition by range (created_at)
  `.execute(db);
  await sql`create index post_hashtags_post_idx on post_hashtags (post_id, created_at)`.execute(db);

  // Creates the monthly partitions of both tables for [from_ts, to_ts]. Writers call it before they
  // insert into a month they have not seen; the advisory lock keeps concurrent workers from racing
  // on the same CREATE TABLE.
  await sql`
    create function tagpulse_ensure_month_partitions(from_ts timestamptz, to_ts timestamptz)
    returns void language plpgsql as $$
    declare
      month date := date_trunc('month', from_ts at time zone 'UTC')::date;
      last_month date := date_trunc('month', to_ts at time zone 'UTC')::date;
      lo text;
      hi text;
    begin
      perform pg_advisory_xact_lock(hashtext('tagpulse_ensure_month_partitions'));
      while month <= last_month loop
        lo := to_char(month, 'YYYY-MM-DD') || ' 00:00:00+00';
        hi := to_char(month + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00';
        execute format('create table if not exists %I partition of posts for values from (%L) to (%L)',
          'posts_' || to_char(month, 'YYYY_MM'), lo, hi);
        execute format('create table if not exists %I partition of post_hashtags for values from (%L) to (%L)',
          'post_hashtags_' || to_char(month, 'YYYY_MM'), lo, hi);
        month := month + interval '1 month';
      end loop;
    end $$
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function tagpulse_ensure_month_partitions(timestamptz, timestamptz)`.execute(db);
  await db.schema.dropTable('post_hashtags').execute();
  await db.schema.dropTable('posts').execute();
  await db.schema.dropTable('authors').execute();
}
