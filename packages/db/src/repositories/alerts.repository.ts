import {
  type BacktestEpisode,
  type Episode,
  type MachineState,
  type SpikeDetectorState,
  snowflakeTime,
} from '@tagpulse/core';
import { type Kysely, sql } from 'kysely';
import type { AlertRow, Database, Network } from '../database.js';

type Db = Kysely<Database>;

/** The evaluation state of a rule on a series, as stored. */
export interface SeriesState {
  machine: MachineState | null;
  detector: SpikeDetectorState | null;
  evaluatedUntil: Date | null;
}

/**
 * Takes the series' evaluation row for the rest of the transaction (creating
 * it first): evaluations of one series by several workers run one after the
 * other, and the second sees what the first stored.
 */
export async function lockSeriesState(
  trx: Db,
  ruleId: string,
  series: string,
  now: Date,
): Promise<SeriesState> {
  await trx
    .insertInto('alert_series_state')
    .values({ rule_id: ruleId, series, state: 'normal', state_since: now, machine: 'null' })
    .onConflict((oc) => oc.columns(['rule_id', 'series']).doNothing())
    .execute();
  const row = await trx
    .selectFrom('alert_series_state')
    .select(['machine', 'detector', 'evaluated_until'])
    .where('rule_id', '=', ruleId)
    .where('series', '=', series)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return {
    machine: row.machine as MachineState | null,
    detector: row.detector as SpikeDetectorState | null,
    evaluatedUntil: row.evaluated_until,
  };
}

export async function saveSeriesState(
  trx: Db,
  ruleId: string,
  series: string,
  state: { machine: MachineState; detector: SpikeDetectorState; evaluatedUntil: Date | null },
): Promise<void> {
  await trx
    .updateTable('alert_series_state')
    .set({
      state: state.machine.state,
      state_since: new Date(state.machine.since),
      machine: JSON.stringify(state.machine),
      detector: JSON.stringify(state.detector),
      evaluated_until: state.evaluatedUntil,
      updated_at: new Date(),
    })
    .where('rule_id', '=', ruleId)
    .where('series', '=', series)
    .execute();
}

/** Current state of every series of the given rules (the API shows it beside each rule). */
export async function seriesStates(
  db: Db,
  ruleIds: string[],
): Promise<{ rule_id: string; series: string; state: string; state_since: Date }[]> {
  if (ruleIds.length === 0) return [];
  return db
    .selectFrom('alert_series_state')
    .select(['rule_id', 'series', 'state', 'state_since'])
    .where('rule_id', 'in', ruleIds)
    .execute();
}

/**
 * Records an episode (created when it fires, updated when it resolves), keyed
 * by rule, series, kind and start: replaying an evaluation writes the same row.
 * Returns its id.
 */
export async function upsertEpisode(
  trx: Db,
  ruleId: string,
  series: string,
  ep: Episode,
  details: unknown,
): Promise<number> {
  const status = ep.resolvedAt !== null ? 'resolved' : ep.firedAt !== null ? 'firing' : 'pending';
  const row = await trx
    .insertInto('alerts')
    .values({
      rule_id: ruleId,
      series,
      kind: ep.kind,
      status,
      started_at: new Date(ep.startedAt),
      fired_at: ep.firedAt === null ? null : new Date(ep.firedAt),
      resolved_at: ep.resolvedAt === null ? null : new Date(ep.resolvedAt),
      observed: ep.bucket?.value ?? null,
      expected: ep.bucket?.expected ?? null,
      lower: ep.bucket?.lower ?? null,
      upper: ep.bucket?.upper ?? null,
      score: ep.bucket?.score ?? null,
      peak: ep.peak,
      expected_event: ep.expectedEvent,
      details: JSON.stringify(details ?? {}),
    })
    .onConflict((oc) =>
      oc.columns(['rule_id', 'series', 'kind', 'started_at']).doUpdateSet((eb) => ({
        status: eb.ref('excluded.status'),
        resolved_at: eb.ref('excluded.resolved_at'),
        peak: sql<number>`greatest(alerts.peak, excluded.peak)`,
        // The explanation is written when the episode fires; a resolution keeps it.
        details: sql<string>`case when excluded.details = '{}'::jsonb then alerts.details else excluded.details end`,
      })),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function getAlert(db: Db, id: number): Promise<AlertRow | undefined> {
  return db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface AlertFilter {
  ruleId?: string | undefined;
  series?: string | undefined;
  status?: AlertRow['status'] | undefined;
  kind?: AlertRow['kind'] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
}

/** Alert history, newest first. */
export async function listAlerts(db: Db, f: AlertFilter): Promise<AlertRow[]> {
  let q = db
    .selectFrom('alerts')
    .selectAll()
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit);
  if (f.ruleId) q = q.where('rule_id', '=', f.ruleId);
  if (f.series) q = q.where('series', '=', f.series);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.from) q = q.where('started_at', '>=', f.from);
  if (f.to) q = q.where('started_at', '<', f.to);
  return q.execute();
}

/** Marks an alert seen: no more reminders for it. False when there is no such alert. */
export async function acknowledge(db: Db, id: number, by: string, at: Date): Promise<AlertRow | undefined> {
  return db
    .updateTable('alerts')
    .set({
      acknowledged_at: sql<Date>`coalesce(acknowledged_at, ${at})`,
      acknowledged_by: sql<string>`coalesce(acknowledged_by, ${by})`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Capture gaps touching any of `tags` and overlapping [from, to), less those a back-fill read since. */
export async function gapsOverlapping(
  db: Db,
  { tags, from, to, network }: { tags: string[]; from: Date; to: Date; network?: Network },
): Promise<{ start: Date; end: Date }[]> {
  const rows = await db
    .selectFrom('capture_gaps')
    .select(['start_at', 'end_at'])
    .where(sql<boolean>`tag_keys && ${tags}::text[]`)
    .$if(network !== undefined, (q) => q.where('network', '=', network!))
    .where('start_at', '<', to)
    .where('end_at', '>', from)
    .where('filled_at', 'is', null)
    .execute();
  return rows.map((r) => ({ start: r.start_at, end: r.end_at }));
}

/** Coverage per measured UTC hour over `tags` together (captured / X-counted), by epoch ms. */
export async function coverageByHour(
  db: Db,
  { tags, from, to }: { tags: string[]; from: Date; to: Date },
): Promise<Map<number, number>> {
  const { rows } = await sql<{ hour: Date; ratio: number | null }>`
    select hour_start as hour, sum(captured)::float8 / nullif(sum(x_count), 0) as ratio
    from capture_coverage
    where tag_key = any(${tags}::text[]) and hour_start >= ${from} and hour_start < ${to}
    group by hour_start`.execute(db);
  return new Map(rows.flatMap((r) => (r.ratio === null ? [] : [[r.hour.getTime(), Math.min(1, r.ratio)]])));
}

/**
 * When capture of `tags` (on one network, or all) last succeeded: the oldest last success among the
 * live queries covering them; and until when all their posts are stored
 * (null when a query has not completed a cycle yet). A hashtag's timelines on several Mastodon
 * instances count as one source, read when any of them was: federation shows most statuses on
 * each, so one instance down is a hole in its local statuses, not a stop of capture, and a dead
 * instance must not hold every rule's buckets open for ever.
 */
export async function captureHealth(
  db: Db,
  tags: string[],
  network: Network | 'all' = 'all',
): Promise<{
  queries: number;
  oldestSuccess: Date | null;
  neverSucceeded: number;
  capturedUntil: Date | null;
}> {
  const rows = await db
    .selectFrom('capture_cursors')
    .select([
      'query_key',
      'network',
      'tag_keys',
      'last_success_at',
      'cycle_started_at',
      'cycle_since_id',
      'cycle_until_id',
    ])
    .where('status', '<>', 'retired')
    .where(sql<boolean>`tag_keys && ${tags}::text[]`)
    .$if(network !== 'all', (q) => q.where('network', '=', network as Network))
    .execute();
  const sources = new Map<string, { success: Date | null; until: Date | null }[]>();
  for (const r of rows) {
    // An X query is a source of its own; a Mastodon timeline is one instance's view of its hashtag.
    const source = r.network === 'mastodon' ? `mastodon|${[...r.tag_keys].sort().join(',')}` : r.query_key;
    sources.set(source, [
      ...(sources.get(source) ?? []),
      { success: r.last_success_at, until: storedUntil(r) },
    ]);
  }
  const latest = (dates: (Date | null)[]) => {
    const known = dates.filter((d) => d !== null);
    return known.length === 0 ? null : new Date(Math.max(...known.map((d) => d.getTime())));
  };
  // The earliest of the instants; null when there is none, or one is unknown.
  const earliest = (dates: (Date | null)[]) =>
    dates.length === 0 || dates.includes(null)
      ? null
      : new Date(Math.min(...(dates as Date[]).map((d) => d.getTime())));
  const perSource = [...sources.values()].map((readers) => ({
    success: latest(readers.map((r) => r.success)),
    until: latest(readers.map((r) => r.until)),
  }));
  return {
    queries: sources.size,
    oldestSuccess: earliest(perSource.map((s) => s.success).filter((d) => d !== null)),
    neverSucceeded: perSource.filter((s) => s.success === null).length,
    capturedUntil: earliest(perSource.map((s) => s.until)),
  };
}

/**
 * Until when every post a query's search could return is stored: the start of
 * its last completed poll cycle. While a cycle pages back, only what is older
 * than the cycle's since_id is complete (its newest pages are in, older ones
 * not yet); before the first cycle completes, nothing is.
 */
function storedUntil(cursor: {
  cycle_started_at: Date | null;
  cycle_since_id: string | null;
  cycle_until_id: string | null;
}): Date | null {
  if (cursor.cycle_until_id === null) return cursor.cycle_started_at;
  return cursor.cycle_since_id === null ? null : new Date(snowflakeTime(cursor.cycle_since_id));
}

/**
 * An episode found in back-filled history: recorded in the alerts' history with the back-fill that
 * found it, never notified. An episode already recorded (live, or by an earlier run) is kept as is.
 * Returns 1 when recorded.
 */
export async function recordHistoricalEpisode(
  db: Db,
  h: {
    ruleId: string;
    series: string;
    backfillId: string;
    episode: Omit<BacktestEpisode, 'notifiedAt'>;
  },
): Promise<number> {
  const ep = h.episode;
  const res = await db
    .insertInto('alerts')
    .values({
      rule_id: h.ruleId,
      series: h.series,
      kind: 'spike',
      status: ep.resolvedAt !== null ? 'resolved' : 'firing',
      started_at: ep.startedAt,
      fired_at: ep.firedAt,
      resolved_at: ep.resolvedAt,
      observed: ep.observed,
      expected: ep.expected,
      lower: ep.lower,
      upper: ep.upper,
      score: null,
      peak: ep.peak,
      expected_event: ep.expectedEvent,
      details: JSON.stringify({ historical: true }),
      backfill_id: h.backfillId,
    })
    .onConflict((oc) => oc.columns(['rule_id', 'series', 'kind', 'started_at']).doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0n);
}
