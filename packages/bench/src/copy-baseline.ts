import type { Author, Post } from '@tagpulse/core';
import { postsRepository, refreshSchedule } from '@tagpulse/db';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

// COPY text format: backslash escapes, \N for null (PostgreSQL docs, "COPY", text format).
function field(value: string | number | boolean | Date | null): string {
  if (value === null) return '\\N';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function line(values: (string | number | boolean | Date | null)[]): string {
  return `${values.map(field).join('\t')}\n`;
}

async function copy(client: pg.PoolClient, table: string, columns: string[], lines: Iterable<string>) {
  const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  let chunk = '';
  for (const l of lines) {
    chunk += l;
    if (chunk.length > 1 << 16) {
      if (!stream.write(chunk)) await new Promise((r) => stream.once('drain', r));
      chunk = '';
    }
  }
  stream.end(chunk);
  await done;
}

/**
 * Creates empty tables shaped exactly like authors, posts and post_hashtags
 * (columns, defaults, checks, keys, indexes, no foreign key; posts and links
 * partitioned by month, with the months the rows need): what COPY loads into.
 */
export async function createCopyTables(client: pg.PoolClient, months: string[]): Promise<void> {
  await client.query('drop table if exists bench_authors, bench_posts, bench_post_hashtags');
  await client.query('create table bench_authors (like authors including all)');
  await client.query('create table bench_posts (like posts including all) partition by range (created_at)');
  await client.query(
    'create table bench_post_hashtags (like post_hashtags including all) partition by range (created_at)',
  );
  for (const month of months) {
    const from = new Date(`${month}-01T00:00:00Z`);
    const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
    const suffix = month.replace('-', '_');
    for (const table of ['bench_posts', 'bench_post_hashtags']) {
      await client.query(
        `create table ${table}_${suffix} partition of ${table} for values from ('${from.toISOString()}') to ('${to.toISOString()}')`,
      );
    }
  }
}

/** COPYs the rows the page store wrote (one per author, per post, per hashtag link) in one transaction. */
export async function copyRows(
  client: pg.PoolClient,
  posts: Post[],
  authors: Author[],
  seenAt: Date,
): Promise<void> {
  await client.query('begin');
  await copy(
    client,
    'bench_authors',
    // In the order of the values below, the page store's own list of an author's figures.
    ['id', 'network', ...postsRepository.AUTHOR_FIGURE_COLUMNS, 'observed_at'],
    authors.map((a) =>
      line([
        a.id,
        a.network,
        a.username,
        a.name,
        a.followers,
        a.following,
        a.posts,
        a.listed,
        a.verified,
        a.verifiedType,
        a.accountCreatedAt,
        a.observedAt,
      ]),
    ),
  );
  await copy(
    client,
    'bench_posts',
    [
      'edit_root_id',
      'network',
      'id',
      'author_id',
      'created_at',
      'text',
      'lang',
      'kind',
      'referenced_post_id',
      'conversation_id',
      'like_count',
      'repost_count',
      'reply_count',
      'quote_count',
      'bookmark_count',
      'impression_count',
      'metrics_observed_at',
      'first_seen_at',
      'last_seen_at',
      'refresh_stage',
      'refresh_due_at',
      'raw',
    ],
    posts.map((p) => {
      // The store schedules each post's engagement refreshes; its partial index is written here too.
      const schedule = refreshSchedule(p.createdAt, p.observedAt);
      return line([
        p.editRootId,
        p.network,
        p.id,
        p.authorId,
        p.createdAt,
        p.text,
        p.lang,
        p.kind,
        p.referencedPostId,
        p.conversationId,
        p.metrics.likes,
        p.metrics.reposts,
        p.metrics.replies,
        p.metrics.quotes,
        p.metrics.bookmarks,
        p.metrics.impressions,
        p.observedAt,
        seenAt,
        seenAt,
        schedule.stage,
        schedule.dueAt,
        JSON.stringify(p.raw),
      ]);
    }),
  );
  await copy(
    client,
    'bench_post_hashtags',
    ['tag_key', 'created_at', 'post_id', 'author_id'],
    posts.flatMap((p) => p.hashtags.map((tag) => line([tag, p.createdAt, p.editRootId, p.authorId]))),
  );
  await client.query('commit');
}
