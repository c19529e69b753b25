import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, ReportRow } from '../database.js';

type Db = Kysely<Database>;

export interface NewReport {
  scheduleId: string | null;
  periodStart: Date;
  periodEnd: Date;
  tz: string;
  periodKind: string;
  hashtags: string[];
  firedAt: Date | null;
  skippedReason: string | null;
  model: unknown;
  chartPng: Buffer;
}

/** A report without its chart, for lists. */
export type ReportSummary = Omit<ReportRow, 'chart_png' | 'model'>;

/** The ledger's message key of a report: its deliveries are the ledger rows under it. */
export function reportMessageKey(id: number): string {
  return `report/${id}`;
}

/**
 * Stores a report unless its schedule already has one for the period (unique schedule, period
 * start and end). Returns the stored row and whether this call stored it: only the caller that stored it
 * queues its deliveries, in the same transaction, so a retried or doubled run sends nothing twice.
 */
export async function insertReport(db: Db, report: NewReport): Promise<{ row: ReportRow; created: boolean }> {
  const inserted = await db
    .insertInto('reports')
    .values({
      schedule_id: report.scheduleId,
      period_start: report.periodStart,
      period_end: report.periodEnd,
      tz: report.tz,
      period_kind: report.periodKind,
      hashtags: report.hashtags,
      fired_at: report.firedAt,
      skipped_reason: report.skippedReason,
      model: JSON.stringify(report.model),
      chart_png: report.chartPng,
    })
    .onConflict((oc) => oc.columns(['schedule_id', 'period_start', 'period_end']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { row: inserted, created: true };
  if (report.scheduleId === null) throw new Error('an unscheduled report always inserts');
  const existing = await findForPeriod(db, report.scheduleId, {
    from: report.periodStart,
    to: report.periodEnd,
  });
  if (!existing) throw new Error('the conflicting report vanished');
  return { row: existing, created: false };
}

export async function findForPeriod(
  db: Db,
  scheduleId: string,
  period: { from: Date; to: Date },
): Promise<ReportRow | undefined> {
  return db
    .selectFrom('reports')
    .selectAll()
    .where('schedule_id', '=', scheduleId)
    .where('period_start', '=', period.from)
    .where('period_end', '=', period.to)
    .executeTakeFirst();
}

export async function getReport(db: Db, id: number): Promise<ReportRow | undefined> {
  return db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Reports newest first, keyset-paged by id; optionally one schedule's. */
export async function listReports(
  db: Db,
  {
    scheduleId,
    beforeId,
    limit,
  }: { scheduleId?: string | undefined; beforeId?: number | undefined; limit: number },
): Promise<ReportSummary[]> {
  let query = db
    .selectFrom('reports')
    .select([
      'id',
      'schedule_id',
      'period_start',
      'period_end',
      'tz',
      'period_kind',
      'hashtags',
      'fired_at',
      'skipped_reason',
      'created_at',
    ])
    .orderBy('id', 'desc')
    .limit(limit);
  if (scheduleId) query = query.where('schedule_id', '=', scheduleId);
  if (beforeId !== undefined) query = query.where('id', '<', beforeId);
  return query.execute();
}

export type ChannelStatus = 'pending' | 'delivered' | 'failed';

export interface ReportDelivery {
  report_id: number;
  channel: string;
  status: ChannelStatus;
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
  next_attempt_at: Date | null;
}

/**
 * Each report's deliveries from the ledger, by channel: pending (queued, sending or waiting for a
 * retry), delivered or failed (given up). A failure is never silent: it stays here with its error.
 */
export async function deliveriesOf(db: Db, reportIds: number[]): Promise<ReportDelivery[]> {
  if (reportIds.length === 0) return [];
  const keys = reportIds.map(reportMessageKey);
  const { rows } = await sql<ReportDelivery>`
    select substr(message_key, 8)::bigint as report_id, channel_key as channel,
      case status when 'sent' then 'delivered' when 'failed' then 'failed' else 'pending' end as status,
      attempts, last_error, sent_at,
      case when status in ('pending', 'sending') then next_attempt_at end as next_attempt_at
    from deliveries where message_key = any(${keys}::text[])
    order by id`.execute(db);
  return rows;
}

/**
 * How far capture of `tags` has reached: the oldest last successful poll among the live queries
 * covering them (undefined when none has succeeded yet). A report says so in its footer.
 */
export async function dataAsOf(db: Db, tags: string[]): Promise<Date | undefined> {
  if (tags.length === 0) return undefined;
  const row = await db
    .selectFrom('capture_cursors')
    .select((eb) => [
      eb.fn.min('last_success_at').as('as_of'),
      eb.fn.countAll<number>().as('queries'),
      eb.fn.count('last_success_at').as('polled'),
    ])
    .where('status', '<>', 'retired')
    .where(sql<boolean>`tag_keys && ${tags}::text[]`)
    .executeTakeFirst();
  if (!row || Number(row.polled) < Number(row.queries)) return undefined;
  return row.as_of ?? undefined;
}

export interface FiredAlert {
  series: string;
  kind: string;
  status: string;
  started_at: Date;
  fired_at: Date | null;
  resolved_at: Date | null;
  observed: number | null;
  expected: number | null;
}

/** Alerts that fired in [from, to) on any of `series` (or on any series when undefined), in order. */
export async function alertsFired(
  db: Db,
  { series, from, to }: { series: string[] | undefined; from: Date; to: Date },
): Promise<FiredAlert[]> {
  const { rows } = await sql<FiredAlert>`
    select series, kind, status, started_at, fired_at, resolved_at, observed, expected
    from alerts
    where fired_at >= ${from} and fired_at < ${to}
      ${series ? sql`and series = any(${series}::text[])` : sql``}
    order by fired_at, id
    limit 100`.execute(db);
  return rows;
}
