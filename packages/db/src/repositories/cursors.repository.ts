import type { Kysely, Transaction } from 'kysely';
import { type RawBuilder, sql } from 'kysely';
import type { CaptureCursorRow, CaptureCursorUpdate, Database, Network } from '../database.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The fields a poll may change; `version` and `updated_at` are the repository's. */
export type CursorPatch = Omit<
  CaptureCursorUpdate,
  'query_key' | 'version' | 'updated_at' | 'created_at' | 'posts_stored' | 'posts_rejected'
>;

/**
 * Creates the cursor of a query, or brings a retired one back. A new cursor
 * starts at `sinceId` (inherited from the queries that covered its hashtags
 * before a regrouping), or null for a first poll, which backfills.
 */
export async function ensureCursor(
  db: Db,
  {
    queryKey,
    query,
    tagKeys,
    sinceId,
    network = 'x',
  }: { queryKey: string; query: string; tagKeys: string[]; sinceId: string | null; network?: Network },
): Promise<void> {
  await db
    .insertInto('capture_cursors')
    .values({ query_key: queryKey, network, query, tag_keys: tagKeys, since_id: sinceId })
    .onConflict((oc) =>
      oc.column('query_key').doUpdateSet({
        status: sql`case when capture_cursors.status = 'retired' then 'idle' else capture_cursors.status end`,
        updated_at: sql<Date>`now()`,
      }),
    )
    .execute();
}

/**
 * Retires a network's cursors of queries that no longer exist (hashtags
 * removed or regrouped, an instance dropped); they stay as history.
 */
export async function retireCursorsExcept(db: Db, keep: string[], network: Network = 'x'): Promise<string[]> {
  let query = db
    .updateTable('capture_cursors')
    .set({ status: 'retired', cycle_until_id: null, updated_at: sql<Date>`now()` })
    .where('network', '=', network)
    .where('status', '!=', 'retired');
  if (keep.length > 0) query = query.where('query_key', 'not in', keep);
  const rows = await query.returning('query_key').execute();
  return rows.map((r) => r.query_key);
}

export async function getCursor(db: Db, queryKey: string): Promise<CaptureCursorRow | undefined> {
  return db.selectFrom('capture_cursors').selectAll().where('query_key', '=', queryKey).executeTakeFirst();
}

export async function listCursors(
  db: Db,
  { includeRetired = false, network }: { includeRetired?: boolean; network?: Network } = {},
): Promise<CaptureCursorRow[]> {
  let query = db.selectFrom('capture_cursors').selectAll().orderBy('query_key');
  if (!includeRetired) query = query.where('status', '!=', 'retired');
  if (network) query = query.where('network', '=', network);
  return query.execute();
}

/**
 * The statement moving a cursor only if nobody moved it since
 * `expectedVersion` was read; it returns a row when it did. Its row lock makes
 * a concurrent writer wait, then find the version changed and update nothing.
 */
export function cursorAdvance(
  queryKey: string,
  expectedVersion: number,
  patch: CursorPatch,
  added: { stored: number; rejected: number },
): RawBuilder<unknown> {
  const sets = Object.entries(patch)
    .filter(([, value]) => value !== undefined)
    .map(([column, value]) => sql`${sql.ref(column)} = ${value}`);
  return sql`
    update capture_cursors set ${sql.join([
      ...sets,
      sql`posts_stored = posts_stored + ${added.stored}`,
      sql`posts_rejected = posts_rejected + ${added.rejected}`,
      sql`version = ${expectedVersion + 1}`,
      sql`updated_at = now()`,
    ])}
    where query_key = ${queryKey} and version = ${expectedVersion}
    returning 1`;
}

/** Status bookkeeping (errors, rate limits) that does not move the cursor, so it needs no version. */
export async function setCursorStatus(
  db: Db,
  queryKey: string,
  patch: Pick<
    CursorPatch,
    'status' | 'last_poll_at' | 'last_error' | 'rate_limit_remaining' | 'rate_limit_reset_at'
  >,
): Promise<void> {
  await db
    .updateTable('capture_cursors')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('query_key', '=', queryKey)
    .execute();
}
