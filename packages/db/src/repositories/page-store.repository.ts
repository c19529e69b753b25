import type { Author, Post } from '@tagpulse/core';
import type { Kysely } from 'kysely';
import { type RawBuilder, sql } from 'kysely';
import type { Database } from '../database.js';
import { type CursorPatch, cursorAdvance } from './cursors.repository.js';
import {
  authorsUpsert,
  ensureMonthPartitions,
  hashtagLinksInsert,
  pageInput,
  postsUpsert,
} from './posts.repository.js';
import { markChangedDirtySql, markDirty } from './rollup-outbox.repository.js';
import { type SpendEntry, spendCtes } from './spend-ledger.repository.js';

export interface PageToStore {
  posts: Post[];
  authors: Author[];
  /** Posts X sent that could not be mapped; counted on the cursor. */
  rejected: number;
  /** When the page was read. */
  seenAt: Date;
  /** A capture query's cursor, or the statement moving another cursor (a back-fill's), returning a row when it moved. */
  cursor:
    | { queryKey: string; expectedVersion: number; patch: CursorPatch }
    | { advance: RawBuilder<unknown> };
  /** The request that brought the page, for the spend ledger: recorded even when the page is dropped, as X billed it. */
  spend?: SpendEntry;
}

export type StoreResult = { committed: true; posts: number } | { committed: false; reason: 'stale-cursor' };

// Rows are written only once the cursor moved: a stale writer's statement changes nothing.
const CURSOR_MOVED = sql`exists (select from moved)`;

// The page's commit does not wait for its WAL flush (synchronous_commit off for this transaction
// only): a page is a re-readable copy of X, not a user's write. A PostgreSQL crash can forget the
// last pages committed (at most about three wal_writer_delay, 0.6 s by default), but only whole
// pages with the cursor move in the same transaction, so capture reads them again from the cursor
// it finds: nothing is lost or doubled. Waiting for the flush once per 100-post page was
// half of the page store's time (bench ingest).
const ASYNC_COMMIT = sql`select set_config('synchronous_commit', 'off', true)`;

// The page statement's text is the same for every page of one shape (the page's rows are its
// parameters), so each connection parses it once and, after PostgreSQL's first five custom plans,
// reuses a generic plan: parsing and planning it each time was 0.6-1.1 ms of PostgreSQL's 5.5-6 ms
// per X page, and more with every monthly partition (README "Ingest against COPY"). One name per text.
const statementNames = new Map<string, string>();

async function executeNamed<R>(db: Kysely<Database>, query: RawBuilder<R>): Promise<R[]> {
  const compiled = query.compile(db);
  let name = statementNames.get(compiled.sql);
  if (name === undefined) {
    name = `tagpulse_page_${statementNames.size + 1}`;
    statementNames.set(compiled.sql, name);
  }
  // Kysely hands the compiled text to node-postgres' client.query as it is, and node-postgres takes a
  // query config there: a named one is parsed once per connection (kysely has no prepared statements).
  const named = { name, text: compiled.sql } as unknown as string;
  const { rows } = await db.executeQuery<R>({ ...compiled, sql: named });
  return rows;
}

/**
 * Stores one page and advances its query's cursor atomically: one statement
 * (one round trip) whose parts are the cursor update, then authors, posts and
 * hashtag links guarded by it, and the roll-up outbox marks of the buckets
 * whose posts it changes. Either all of it is in, or none of it and the
 * cursor stays where it was. When another worker moved the cursor first,
 * nothing is written.
 */
export async function storePage(db: Kysely<Database>, page: PageToStore): Promise<StoreResult> {
  await ensureMonthPartitions(
    db,
    page.posts.map((p) => p.createdAt),
  );
  const c = page.cursor;
  const advance =
    'advance' in c
      ? c.advance
      : cursorAdvance(c.queryKey, c.expectedVersion, c.patch, {
          stored: page.posts.length,
          rejected: page.rejected,
        });
  const rows = await executeNamed<{ moved: number }>(
    db,
    sql`
    with async_commit as (${ASYNC_COMMIT}),
      moved as (${advance}),
      ${pageInput(page.posts, page.authors)},
      authors_written as (${authorsUpsert(CURSOR_MOVED)}),
      posts_written as (${postsUpsert(page.seenAt, CURSOR_MOVED)}),
      links_written as (${hashtagLinksInsert(CURSOR_MOVED)}),
      buckets_marked as (${markChangedDirtySql(CURSOR_MOVED)})${page.spend ? sql`, ${spendCtes(page.spend)}` : sql``}
    select count(*)::int as moved from moved cross join async_commit`,
  );
  if (rows[0]?.moved !== 1) return { committed: false, reason: 'stale-cursor' };
  return { committed: true, posts: new Set(page.posts.map((p) => p.editRootId)).size };
}

/** A post its network says was deleted, and when. */
export interface Deletion {
  id: string;
  at: Date;
}

/**
 * Marks posts a stream (Bluesky's Jetstream) said were deleted: kept stored,
 * marked, as refresh marks X's, their buckets marked for roll-up. Applying it
 * again changes nothing, so a stream stores the posts of a batch, then its
 * deletions, then moves its cursor: a crash between the steps replays the
 * batch without loss or double. A deletion of a post never stored changes nothing.
 */
export async function markDeleted(db: Kysely<Database>, deletions: Deletion[]): Promise<number> {
  if (deletions.length === 0) return 0;
  return db.transaction().execute(async (trx) => {
    // A stream's post is never edited into another id: its id is its edit root, the key's first column.
    const { rows } = await sql<{ created_at: Date }>`
      update posts p set deleted_at = d.at, refresh_due_at = null
      from unnest(${deletions.map((d) => d.id)}::text[], ${deletions.map((d) => d.at.toISOString())}::timestamptz[])
        as d(id, at)
      where p.edit_root_id = d.id and p.deleted_at is null
      returning p.created_at`.execute(trx);
    await markDirty(
      trx,
      rows.map((r) => ({ createdAt: r.created_at })),
    );
    return rows.length;
  });
}
