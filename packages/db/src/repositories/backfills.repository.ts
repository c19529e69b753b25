import type { BackfillSpec } from '@tagpulse/core';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { type RawBuilder, sql } from 'kysely';
import type { BackfillStatus, BackfillsTable, Database } from '../database.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A stored back-fill: its request as parsed (core's spec), then its estimate, cursor and progress. */
export interface BackfillRow extends BackfillSpec {
  id: string;
  status: BackfillStatus;
  estimate: { posts: number; requests: number; usd: number; seconds: number } | null;
  countsRequests: number;
  error: string | null;
  nextToken: string | null;
  version: number;
  pages: number;
  postsStored: number;
  postsRejected: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** What the spend ledger holds for this back-fill (counts and search requests). */
  spent: { usd: number; requests: number; postsBilled: number };
}

/** The spend ledger's query key of a back-fill's requests, so /v1/usage lists it beside the live queries. */
export function backfillQueryKey(id: string): string {
  return `backfill-${id}`;
}

function toRow(
  r: Selectable<BackfillsTable> & { spent_usd: string; spent_requests: number; spent_posts: number },
): BackfillRow {
  const n = (v: string | null) => (v === null ? null : Number(v));
  return {
    id: r.id,
    query: r.query,
    tagKeys: r.tag_keys,
    from: r.from_at,
    to: r.to_at,
    maxUsd: n(r.max_usd),
    estimateOnly: r.estimate_only,
    status: r.status,
    estimate:
      r.estimated_posts === null
        ? null
        : {
            posts: r.estimated_posts,
            requests: r.estimated_requests ?? 0,
            usd: Number(r.estimated_usd ?? 0),
            seconds: r.estimated_seconds ?? 0,
          },
    countsRequests: r.counts_requests,
    error: r.error,
    nextToken: r.next_token,
    version: r.version,
    pages: r.pages,
    postsStored: r.posts_stored,
    postsRejected: r.posts_rejected,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    spent: { usd: Number(r.spent_usd), requests: r.spent_requests, postsBilled: r.spent_posts },
  };
}

function selectWithSpend(db: Db) {
  return db
    .selectFrom('backfills as b')
    .selectAll('b')
    .select([
      sql<string>`(select coalesce(sum(usd), 0)::text from x_spend where query_key = 'backfill-' || b.id::text)`.as(
        'spent_usd',
      ),
      sql<number>`(select count(*)::int from x_spend where query_key = 'backfill-' || b.id::text)`.as(
        'spent_requests',
      ),
      sql<number>`(select coalesce(sum(posts_billed), 0)::int from x_spend where query_key = 'backfill-' || b.id::text)`.as(
        'spent_posts',
      ),
    ]);
}

export interface NewBackfill {
  query: string;
  tagKeys: string[];
  from: Date;
  to: Date;
  maxUsd: number | null;
  estimateOnly: boolean;
}

export async function createBackfill(db: Db, b: NewBackfill): Promise<BackfillRow> {
  const { id } = await db
    .insertInto('backfills')
    .values({
      query: b.query,
      tag_keys: b.tagKeys,
      from_at: b.from,
      to_at: b.to,
      max_usd: b.maxUsd,
      estimate_only: b.estimateOnly,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return (await getBackfill(db, id))!;
}

export async function getBackfill(db: Db, id: string): Promise<BackfillRow | undefined> {
  const row = await selectWithSpend(db).where('b.id', '=', id).executeTakeFirst();
  return row ? toRow(row) : undefined;
}

/** The newest back-fills first. */
export async function listBackfills(db: Db, { limit = 50 } = {}): Promise<BackfillRow[]> {
  const rows = await selectWithSpend(db).orderBy('b.created_at', 'desc').limit(limit).execute();
  return rows.map(toRow);
}

/** Back-fills a worker still has to carry on (estimate, page, or finish). */
export async function unfinishedBackfillIds(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('backfills')
    .select('id')
    .where('status', 'in', ['estimating', 'running'])
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Records the estimate and what follows from it (`running`, `estimated` or `refused` with the
 * reason), only while the back-fill is still being estimated; false when another run did it first.
 */
export async function saveEstimate(
  db: Db,
  id: string,
  e: {
    posts: number;
    requests: number;
    usd: number;
    seconds: number;
    countsRequests: number;
    status: 'running' | 'estimated' | 'refused';
    error: string | null;
    at: Date;
  },
): Promise<boolean> {
  const done = e.status !== 'running';
  const res = await db
    .updateTable('backfills')
    .set({
      estimated_posts: e.posts,
      estimated_requests: e.requests,
      estimated_usd: e.usd,
      estimated_seconds: e.seconds,
      counts_requests: e.countsRequests,
      status: e.status,
      error: e.error,
      started_at: done ? null : e.at,
      finished_at: done ? e.at : null,
      version: sql<number>`version + 1`,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('status', '=', 'estimating')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/**
 * The statement moving a back-fill's cursor past one page, for the page store: only if nobody
 * moved it since `expectedVersion` was read (it returns a row when it did), so a page stored
 * twice by two runs is written once. `nextToken` null: the archive has no more pages.
 */
export function pageAdvance(
  id: string,
  expectedVersion: number,
  page: { nextToken: string | null; stored: number; rejected: number },
): RawBuilder<unknown> {
  return sql`
    update backfills set next_token = ${page.nextToken}, version = ${expectedVersion + 1},
      pages = pages + 1, posts_stored = posts_stored + ${page.stored},
      posts_rejected = posts_rejected + ${page.rejected}, updated_at = now()
    where id = ${id} and version = ${expectedVersion} and status = 'running'
    returning 1`;
}

/**
 * Marks the `beyond_search_window` gaps a back-fill covers (span and hashtags) as filled by it; the
 * gap stays, saying what live capture could not reach and who read it since. Returns the gaps marked.
 */
export async function fillGaps(
  db: Db,
  b: Pick<BackfillRow, 'id' | 'from' | 'to' | 'tagKeys'>,
  at: Date,
): Promise<number> {
  const res = await db
    .updateTable('capture_gaps')
    .set({ filled_by: b.id, filled_at: at })
    .where('cause', '=', 'beyond_search_window')
    .where('filled_at', 'is', null)
    .where('start_at', '>=', b.from)
    .where('end_at', '<=', b.to)
    .where(sql<boolean>`tag_keys <@ ${b.tagKeys}::text[]`)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** The last step of a back-fill whose pages are all in and whose gaps and history are recorded. */
export async function markDone(db: Db, id: string, at: Date): Promise<void> {
  await db
    .updateTable('backfills')
    .set({ status: 'done', finished_at: at, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute();
}

/** A back-fill X refused for good (bad request, credentials): stopped with the reason. */
export async function failBackfill(db: Db, id: string, error: string, at: Date): Promise<void> {
  await db
    .updateTable('backfills')
    .set({ status: 'failed', error, finished_at: at, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', 'in', ['estimating', 'running'])
    .execute();
}

/** The back-fill once a worker has estimated it, or as it stands when `timeoutMs` runs out. */
export async function waitWhileEstimating(
  db: Db,
  id: string,
  timeoutMs: number,
): Promise<BackfillRow | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const b = await getBackfill(db, id);
    if (b?.status !== 'estimating' || Date.now() > deadline) return b;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
