import type {
  AlertRuleSpec,
  Channel,
  ExpectedWindow,
  QuietHours,
  Silence,
  StoredMetric,
} from '@tagpulse/core';
import { DEFAULT_RULE } from '@tagpulse/core';
import { type Kysely, sql } from 'kysely';
import type { AlertRuleRow, AlertRulesTable, Database } from '../database.js';

type Db = Kysely<Database>;

/** A rule as the API and the worker see it. */
export interface AlertRule extends AlertRuleSpec {
  id: string;
  name: string;
  /** A hashtag key, or '*' for all tracked hashtags together. */
  scope: string;
  channels: Channel[];
  enabled: boolean;
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type NewAlertRule = Omit<AlertRule, 'id' | 'isDefault' | 'createdAt' | 'updatedAt'>;

export function fromRow(row: AlertRuleRow): AlertRule {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    network: row.network,
    metric: row.metric as StoredMetric,
    grain: row.grain,
    sensitivity: row.sensitivity,
    minVolume: row.min_volume,
    minCoverage: row.min_coverage,
    pendingMinutes: row.pending_minutes,
    recoveryBuckets: row.recovery_buckets,
    repeatMinutes: row.repeat_minutes,
    tz: row.tz,
    quietHours: row.quiet_hours as QuietHours[],
    silences: row.silences as Silence[],
    expectedWindows: row.expected_windows as ExpectedWindow[],
    channels: row.channels as Channel[],
    enabled: row.enabled,
    isDefault: row.is_default,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toColumns(rule: Partial<NewAlertRule>): Record<string, unknown> {
  const json = (v: unknown) => JSON.stringify(v);
  const cols: Partial<Record<keyof AlertRulesTable, unknown>> = {
    name: rule.name,
    scope: rule.scope,
    network: rule.network,
    metric: rule.metric,
    grain: rule.grain,
    sensitivity: rule.sensitivity,
    min_volume: rule.minVolume,
    min_coverage: rule.minCoverage,
    pending_minutes: rule.pendingMinutes,
    recovery_buckets: rule.recoveryBuckets,
    repeat_minutes: rule.repeatMinutes,
    tz: rule.tz,
    quiet_hours: rule.quietHours && json(rule.quietHours),
    silences: rule.silences && json(rule.silences),
    expected_windows: rule.expectedWindows && json(rule.expectedWindows),
    channels: rule.channels && json(rule.channels),
    enabled: rule.enabled,
  };
  return Object.fromEntries(Object.entries(cols).filter(([, v]) => v !== undefined));
}

export async function createRule(db: Db, rule: NewAlertRule): Promise<AlertRule> {
  const row = await db
    .insertInto('alert_rules')
    .values(toColumns(rule) as never)
    .returningAll()
    .executeTakeFirstOrThrow();
  return fromRow(row);
}

/** Applies the fields given; a changed rule starts its series over (new settings, new state). */
export async function updateRule(
  db: Db,
  id: string,
  patch: Partial<NewAlertRule>,
): Promise<AlertRule | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('alert_rules')
      .set({ ...toColumns(patch), updated_at: new Date() } as never)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    // Silences and channels do not change what the detector learned; the rest may.
    const keepsState = Object.keys(patch).every((k) =>
      ['name', 'silences', 'channels', 'enabled'].includes(k),
    );
    if (row && !keepsState) await trx.deleteFrom('alert_series_state').where('rule_id', '=', id).execute();
    return row && fromRow(row);
  });
}

export async function deleteRule(db: Db, id: string): Promise<boolean> {
  const res = await db.deleteFrom('alert_rules').where('id', '=', id).executeTakeFirst();
  return res.numDeletedRows > 0n;
}

export async function getRule(db: Db, id: string): Promise<AlertRule | undefined> {
  const row = await db.selectFrom('alert_rules').selectAll().where('id', '=', id).executeTakeFirst();
  return row && fromRow(row);
}

export async function listRules(
  db: Db,
  { scope, enabledOnly = false }: { scope?: string; enabledOnly?: boolean } = {},
): Promise<AlertRule[]> {
  let q = db.selectFrom('alert_rules').selectAll().orderBy('created_at').orderBy('id');
  if (scope !== undefined) q = q.where('scope', '=', scope);
  if (enabledOnly) q = q.where('enabled', '=', true);
  return (await q.execute()).map(fromRow);
}

/**
 * Gives each hashtag without one its default rule ({@link DEFAULT_RULE}),
 * sending to `channels`. Safe from several workers at once (unique index on
 * the default rule's scope). Returns how many were created.
 */
export async function ensureDefaultRules(
  db: Db,
  hashtags: { tagKey: string; display: string }[],
  channels: Channel[],
): Promise<number> {
  if (hashtags.length === 0) return 0;
  const rows = hashtags.map((h) => ({
    ...toColumns({
      ...DEFAULT_RULE,
      name: `Spikes in #${h.display}`,
      scope: h.tagKey,
      channels,
      enabled: true,
    }),
    is_default: true,
  })) as never[];
  const res = await db
    .insertInto('alert_rules')
    .values(rows)
    .onConflict((oc) => oc.column('scope').where('is_default', '=', true).doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0n);
}

/** Adds a silence to a rule (for one series, or all). */
export async function addSilence(db: Db, id: string, silence: Silence): Promise<AlertRule | undefined> {
  const row = await db
    .updateTable('alert_rules')
    .set({
      silences: sql`silences || ${JSON.stringify([silence])}::jsonb` as never,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row && fromRow(row);
}
