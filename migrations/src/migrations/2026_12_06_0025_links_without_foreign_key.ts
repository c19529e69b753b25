import { type Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // The links' foreign key to their post checked each link with a query on the partitioned `posts`
  // whose cost grows with the monthly partitions: with 36 months it was about half of a page's
  // PostgreSQL time (bench ingest, README "Ingest against COPY"). The page store writes a page's
  // links in the statement that upserts the page's posts, from the same rows and behind the same
  // cursor guard: a link never goes in without its post. Dropping a constraint rewrites nothing.
  await sql`alter table post_hashtags drop constraint post_hashtags_post_id_created_at_fkey`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table post_hashtags add constraint post_hashtags_post_id_created_at_fkey
      foreign key (post_id, created_at) references posts (edit_root_id, created_at) on delete cascade`.execute(
    db,
  );
}
