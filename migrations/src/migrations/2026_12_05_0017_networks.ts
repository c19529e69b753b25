import { type Kysely, sql } from 'kysely';

// The network of an id, by its form: X ids are decimal, Mastodon's are ActivityPub URIs, Bluesky's
// at:// URIs and DIDs. Checked on every post and author, so no id of one network can be an id of
// another, and every key built on ids alone (posts, their hashtag links, authors, author numbers,
// top posts) stays a key with the network beside it.
const NETWORK_OF_ID = (column: string) =>
  sql.raw(`case when ${column} ~ '^https?://' then 'mastodon'
    when ${column} ~ '^(at://|did:)' then 'bluesky' else 'x' end`);

// Frozen in time: this file imports nothing from the workspace (kysely docs, "migrations").
export async function up(db: Kysely<any>): Promise<void> {
  // Every post and author stored so far came from X.
  for (const table of ['posts', 'authors']) {
    await sql
      .raw(
        `alter table ${table} add column network text not null default 'x'
          check (network in ('x', 'bluesky', 'mastodon'))`,
      )
      .execute(db);
  }
  await sql`alter table posts add constraint posts_network_of_id
    check (network = ${NETWORK_OF_ID('edit_root_id')} and network = ${NETWORK_OF_ID('id')})`.execute(db);
  await sql`alter table authors add constraint authors_network_of_id
    check (network = ${NETWORK_OF_ID('id')})`.execute(db);
  // Mastodon and Bluesky count no views: their posts' impressions are absent, not 0.
  await sql`alter table posts alter column impression_count drop not null`.execute(db);

  // A roll-up row is a network's ('x', 'bluesky', 'mastodon') or all of them together ('*'): the
  // sum of the networks' rows, distinct authors included, as no author is on two networks.
  // What is stored so far is X's, which is also all networks' figures: each row is kept as '*' and
  // copied as 'x'.
  await sql`alter table rollups add column network text not null default '*'
    check (network in ('*', 'x', 'bluesky', 'mastodon'))`.execute(db);
  await sql`alter table rollups drop constraint rollups_pk`.execute(db);
  await sql`alter table rollups add constraint rollups_pk
    primary key (scope, network, grain, tz, bucket_start)`.execute(db);
  await sql`
    insert into rollups (scope, network, grain, tz, bucket_start, posts, originals, replies, quotes, reposts,
      unique_authors, potential_reach, impressions, engagements, definitions_version, computed_at)
    select scope, 'x', grain, tz, bucket_start, posts, originals, replies, quotes, reposts,
      unique_authors, potential_reach, impressions, engagements, definitions_version, computed_at
    from rollups`.execute(db);

  await sql`alter table rollup_top_posts add column network text not null default '*'`.execute(db);
  await sql`alter table rollup_top_posts drop constraint rollup_top_posts_pkey`.execute(db);
  await sql`alter table rollup_top_posts add primary key (scope, network, ranking, bucket_start, post_id)`.execute(
    db,
  );
  await sql`
    insert into rollup_top_posts (scope, network, ranking, bucket_start, post_id, created_at, value)
    select scope, 'x', ranking, bucket_start, post_id, created_at, value from rollup_top_posts`.execute(db);

  await sql`alter table rollup_hour_authors add column network text not null default '*'`.execute(db);
  await sql`alter table rollup_hour_authors drop constraint rollup_hour_authors_pkey`.execute(db);
  await sql`alter table rollup_hour_authors add primary key (scope, network, bucket_start)`.execute(db);
  await sql`
    insert into rollup_hour_authors (scope, network, bucket_start, authors, computed_at)
    select scope, 'x', bucket_start, authors, computed_at from rollup_hour_authors`.execute(db);

  // Each network's capture keeps its own cursors: X's query sync retires only X's.
  await sql`alter table capture_cursors add column network text not null default 'x'
    check (network in ('x', 'bluesky', 'mastodon'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table capture_cursors drop column network`.execute(db);
  for (const [table, key] of [
    ['rollup_hour_authors', 'rollup_hour_authors_pkey (scope, bucket_start)'],
    ['rollup_top_posts', 'rollup_top_posts_pkey (scope, ranking, bucket_start, post_id)'],
    ['rollups', 'rollups_pk (scope, grain, tz, bucket_start)'],
  ] as const) {
    const [name, columns] = key.split(' (');
    await sql.raw(`delete from ${table} where network <> '*'`).execute(db);
    await sql.raw(`alter table ${table} drop constraint ${name}`).execute(db);
    await sql.raw(`alter table ${table} drop column network`).execute(db);
    await sql.raw(`alter table ${table} add constraint ${name} primary key (${columns}`).execute(db);
  }
  await sql`delete from posts where network <> 'x'`.execute(db);
  await sql`delete from authors where network <> 'x'`.execute(db);
  await sql`alter table posts alter column impression_count set not null`.execute(db);
  await sql`alter table posts drop constraint posts_network_of_id`.execute(db);
  await sql`alter table authors drop constraint authors_network_of_id`.execute(db);
  await sql`alter table posts drop column network`.execute(db);
  await sql`alter table authors drop column network`.execute(db);
}
