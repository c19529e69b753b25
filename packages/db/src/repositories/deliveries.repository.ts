import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, DeliveryRow } from '../database.js';

type Db = Kysely<Database>;

/**
 * The delivery ledger, for anything tagpulse sends (alert notices; reports
 * next). A message is queued once per channel (unique message key and
 * channel key), in the transaction that decided to send it; workers claim
 * due rows under a lease, send, then mark. A worker that dies after sending
 * and before marking leaves the lease to expire: the message goes again with
 * the same idempotency key, which receivers use to drop the repeat.
 */

export interface OutgoingMessage {
  /** Unique per message, e.g. `alert/42/firing`. */
  messageKey: string;
  kind: string;
  alertId?: number | null;
  message: unknown;
  channels: { key: string; channel: unknown }[];
}

export function idempotencyKey(messageKey: string, channelKey: string): string {
  return createHash('sha256').update(`${messageKey}\n${channelKey}`).digest('hex').slice(0, 32);
}

/** Queues a message on its channels; queuing it again changes nothing. Returns the rows added. */
export async function enqueue(db: Db, out: OutgoingMessage): Promise<number> {
  if (out.channels.length === 0) return 0;
  const res = await db
    .insertInto('deliveries')
    .values(
      out.channels.map((c) => ({
        message_key: out.messageKey,
        alert_id: out.alertId ?? null,
        kind: out.kind,
        message: JSON.stringify(out.message),
        channel_key: c.key,
        channel: JSON.stringify(c.channel),
        idempotency_key: idempotencyKey(out.messageKey, c.key),
        status: 'pending' as const,
      })),
    )
    .onConflict((oc) => oc.columns(['message_key', 'channel_key']).doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0n);
}

/**
 * Claims up to `limit` due deliveries (pending and due, or sending with an
 * expired lease) for `leaseMs`, counting the attempt. Rows another worker
 * holds are skipped, not waited for.
 */
export async function claimDue(
  db: Db,
  { limit, leaseMs }: { limit: number; leaseMs: number },
): Promise<DeliveryRow[]> {
  const { rows } = await sql<DeliveryRow>`
    update deliveries set status = 'sending', attempts = attempts + 1,
      lease_until = clock_timestamp() + make_interval(secs => ${leaseMs / 1000})
    where id in (
      select id from deliveries
      where (status = 'pending' and next_attempt_at <= clock_timestamp())
         or (status = 'sending' and lease_until < clock_timestamp())
      order by next_attempt_at, id
      limit ${limit}
      for update skip locked)
    returning *`.execute(db);
  return rows;
}

/**
 * Which claim an outcome belongs to: the row's id and the attempt counted
 * when it was claimed. A worker whose lease expired (it took longer than the
 * lease, or paused) reports on a claim that is no longer current; its outcome
 * must not undo the current one's (a `sent` row turned back to `pending`
 * would go again).
 */
export interface Claim {
  id: number;
  attempts: number;
}

/** Marks a claimed delivery sent; false when the claim is no longer current (nothing changed). */
export async function markSent(db: Db, claim: Claim): Promise<boolean> {
  const res = await db
    .updateTable('deliveries')
    .set({ status: 'sent', sent_at: sql<Date>`clock_timestamp()`, lease_until: null, last_error: null })
    .where('id', '=', claim.id)
    .where('status', '=', 'sending')
    .where('attempts', '=', claim.attempts)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

/**
 * Records a failed attempt: due again after `retryInMs`, or given up
 * (`failed`) when null. False when the claim is no longer current.
 */
export async function markFailed(
  db: Db,
  claim: Claim,
  error: string,
  retryInMs: number | null,
): Promise<boolean> {
  const res = await db
    .updateTable('deliveries')
    .set({
      status: retryInMs === null ? 'failed' : 'pending',
      last_error: error.slice(0, 1_000),
      lease_until: null,
      next_attempt_at: sql<Date>`clock_timestamp() + make_interval(secs => ${(retryInMs ?? 0) / 1000})`,
    })
    .where('id', '=', claim.id)
    .where('status', '=', 'sending')
    .where('attempts', '=', claim.attempts)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

/** The deliveries of some alerts, oldest first. */
export async function forAlerts(db: Db, alertIds: number[]): Promise<DeliveryRow[]> {
  if (alertIds.length === 0) return [];
  return db.selectFrom('deliveries').selectAll().where('alert_id', 'in', alertIds).orderBy('id').execute();
}
