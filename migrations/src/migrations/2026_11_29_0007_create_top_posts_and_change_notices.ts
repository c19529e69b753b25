import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // Each UTC hour's top posts per ranking, per scope: a period's top posts are among the top posts
  // of its hours, so a week's top 10 reads 168 hours × 100 candidates instead of half a million posts.
  // Maintained with the hour roll-ups, in the same transaction.
  await sql`
    create table rollup_top_posts (
      scope text not null,
      ranking text not null check (ranking in ('engagements', 'impressions', 'followers')),
      bucket_start timestamptz not null,
      post_id text not null,
      created_at timestamptz not null,
      value bigint not null,
      primary key (scope, ranking, bucket_start, post_id)
    )`.execute(db);

  // A period's distinct authors are read from this index alone (tag, time, author), and the post id
  // lets the few deleted posts be left out without visiting the posts.
  await sql`create index post_hashtags_tag_time_author_post_idx on post_hashtags (tag_key, created_at) include (author_id, post_id)`.execute(
    db,
  );
  await sql`drop index post_hashtags_tag_time_author_idx`.execute(db);
  await sql`create index posts_deleted_idx on posts (created_at) include (edit_root_id) where deleted_at is not null`.execute(
    db,
  );

  // Change notices for the API's response cache: whatever writes roll-ups (the worker's jobs, a
  // back-fill, a migration) announces the range of buckets it changed, on commit.
  await sql`
    create function tagpulse_notify_rollups() returns trigger language plpgsql as $$
    declare
      lo timestamptz;
      hi timestamptz;
    begin
      select min(bucket_start), max(bucket_start) into lo, hi from changed;
      if lo is not null then
        perform pg_notify('tagpulse_changes', json_build_object('table', 'rollups', 'lo', lo, 'hi', hi)::text);
      end if;
      return null;
    end $$`.execute(db);
  // A trigger with transition tables takes one event; INSERT … ON CONFLICT DO UPDATE fires both.
  for (const event of ['insert', 'update', 'delete'] as const) {
    const table = event === 'delete' ? 'old' : 'new';
    await sql
      .raw(
        `create trigger rollups_notify_${event} after ${event} on rollups referencing ${table} table as changed
         for each statement execute function tagpulse_notify_rollups()`,
      )
      .execute(db);
  }
  await sql`
    create function tagpulse_notify_hashtags() returns trigger language plpgsql as $$
    begin
      perform pg_notify('tagpulse_changes', '{"table":"hashtags"}');
      return null;
    end $$`.execute(db);
  await sql`
    create trigger hashtags_notify after insert or update or delete or truncate on hashtags
    for each statement execute function tagpulse_notify_hashtags()`.execute(db);

  // Existing hours get their top posts through the roll-up outbox: every bucket holding a post is
  // marked, and the roll-up job recomputes them (hours included) as it would after any change.
  await sql`
    insert into rollup_dirty (bucket_start)
    select distinct date_bin('5 minutes', created_at, timestamptz 'epoch') from post_hashtags
    on conflict (bucket_start) do nothing`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger hashtags_notify on hashtags`.execute(db);
  await sql`drop function tagpulse_notify_hashtags()`.execute(db);
  for (const event of ['insert', 'update', 'delete']) {
    await sql.raw(`drop trigger rollups_notify_${event} on rollups`).execute(db);
  }
  await sql`drop function tagpulse_notify_rollups()`.execute(db);
  await sql`drop index posts_deleted_idx`.execute(db);
  await sql`create index post_hashtags_tag_time_author_idx on post_hashtags (tag_key, created_at) include (author_id)`.execute(
    db,
  );
  await sql`drop index post_hashtags_tag_time_author_post_idx`.execute(db);
  await sql`drop table rollup_top_posts`.execute(db);
}
