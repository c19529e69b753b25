import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { CaptureGapRow, Database, GapCause, Network } from '../database.js';

type Db = Kysely<Database>;

export interface NewGap {
  /** The source that could not see the span; X's when not said (X recorded every gap before others). */
  network?: Network;
  queryKey: string;
  tagKeys: string[];
  startAt: Date;
  endAt: Date;
  cause: GapCause;
  detail: string;
}

/** Records a gap; recording the same gap again (same query, start and cause) only widens its end. */
export async function recordGap(db: Db, gap: NewGap): Promise<void> {
  await db
    .insertInto('capture_gaps')
    .values({
      ...(gap.network ? { network: gap.network } : {}),
      query_key: gap.queryKey,
      tag_keys: gap.tagKeys,
      start_at: gap.startAt,
      end_at: gap.endAt,
      cause: gap.cause,
      detail: gap.detail,
    })
    .onConflict((oc) =>
      oc
        .columns(['query_key', 'start_at', 'cause'])
        .doUpdateSet({ end_at: sql<Date>`greatest(capture_gaps.end_at, excluded.end_at)` }),
    )
    .execute();
}

/** Gaps touching a hashtag (or all), of one network (or all), oldest first. */
export async function listGaps(
  db: Db,
  { tagKey, network }: { tagKey?: string; network?: Network } = {},
): Promise<CaptureGapRow[]> {
  let query = db.selectFrom('capture_gaps').selectAll().orderBy('start_at').orderBy('id');
  if (tagKey) query = query.where(sql<boolean>`${tagKey} = any(tag_keys)`);
  if (network) query = query.where('network', '=', network);
  return query.execute();
}
