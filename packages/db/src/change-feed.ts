import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

/** The channel the database's triggers announce changes on (migrations 0007 and 0011). */
export const CHANGES_CHANNEL = 'tagpulse_changes';

/**
 * A committed change: roll-ups whose buckets start in [lo, hi] were written,
 * the tracked hashtags changed, or API keys were created, revoked or deleted.
 * `reset` means changes may have been missed (the feed was down): forget
 * everything derived from the database.
 */
export type Change = (
  | { table: 'rollups'; lo: Date; hi: Date }
  | { table: 'hashtags' }
  | { table: 'api_keys' }
  | { table: 'reset' }
) & {
  /**
   * The primary's WAL position read after the notice arrived (`pg_current_wal_lsn()`), so at or past
   * the change's commit: a replica that has replayed up to it shows the change. Absent when it could
   * not be read (the connection dropped; a `reset` follows).
   */
  lsn?: string;
};

export interface ChangeFeed {
  /** True while listening; between a drop and the next `reset`, changes may be missed. */
  readonly live: boolean;
  close(): Promise<void>;
}

export interface ChangeFeedOptions {
  url: string;
  onChange: (change: Change) => void;
  onError?: (err: Error) => void;
  /** First reconnection delay; doubled after each failure, up to 30 s. */
  retryMs?: number;
  /**
   * Whether each change carries the primary's WAL position (one query per burst of notices, and the
   * changes wait for it): what a reader of a replica needs. Off, changes pass on as they arrive.
   */
  positions?: boolean;
}

function parseChange(payload: string | undefined): Change {
  const body = JSON.parse(payload ?? '{}') as { table?: string; lo?: string; hi?: string };
  if (body.table === 'rollups' && body.lo && body.hi) {
    return { table: 'rollups', lo: new Date(body.lo), hi: new Date(body.hi) };
  }
  if (body.table === 'hashtags') return { table: 'hashtags' };
  if (body.table === 'api_keys') return { table: 'api_keys' };
  // A notice this code does not know: treat it as "anything may have changed".
  return { table: 'reset' };
}

/**
 * Listens to the database's change notices on a connection of its own (LISTEN
 * needs a session, not a pool), reconnecting with backoff. Notices arrive
 * after their transaction commits; on every (re)connection a `reset` comes
 * first, because notices sent while not listening are lost.
 */
export async function listenForChanges({
  url,
  onChange,
  onError,
  retryMs = 500,
  positions = false,
}: ChangeFeedOptions): Promise<ChangeFeed> {
  let client: pg.Client | undefined;
  let live = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let delay = retryMs;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, application_name: 'tagpulse-changes' });
    const positioned = positions ? withPositions(next, onChange) : onChange;
    next.on('notification', (message) => {
      if (message.channel === CHANGES_CHANNEL) positioned(parseChange(message.payload));
    });
    const dropped = (err?: Error) => {
      if (client !== next) return;
      client = undefined;
      live = false;
      onChange({ table: 'reset' });
      if (err) onError?.(err);
      next.end().catch(() => {});
      retry();
    };
    next.on('error', dropped);
    next.on('end', () => dropped());
    client = next;
    try {
      await next.connect();
      await next.query(`listen ${CHANGES_CHANNEL}`);
    } catch (err) {
      dropped(err as Error);
      return;
    }
    if (closed) return;
    live = true;
    delay = retryMs;
    positioned({ table: 'reset' });
  };
  const retry = () => {
    if (closed) return;
    timer = setTimeout(() => void connect(), delay);
    delay = Math.min(delay * 2, 30_000);
  };

  await connect();
  return {
    get live() {
      return live;
    },
    async close() {
      closed = true;
      live = false;
      clearTimeout(timer);
      const last = client;
      client = undefined;
      await last?.end();
    },
  };
}

const CURRENT_LSN = 'select pg_current_wal_lsn()::text as lsn';

/**
 * Passes changes on with the WAL position read after they arrived. Changes that arrive while a
 * reading is under way wait for the next one: a position read before a notice arrived may predate
 * its commit. A burst of notices costs one reading, not one each.
 */
function withPositions(client: pg.Client, onChange: (change: Change) => void): (change: Change) => void {
  let waiting: Change[] = [];
  let reading = false;
  const read = async () => {
    reading = true;
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      const lsn = await client.query<{ lsn: string }>(CURRENT_LSN).then(
        (r) => r.rows[0]?.lsn,
        () => undefined,
      );
      for (const change of batch) onChange(lsn === undefined ? change : { ...change, lsn });
    }
    reading = false;
  };
  return (change) => {
    waiting.push(change);
    if (!reading) void read();
  };
}

/** A WAL position (`16/B374D848`) as a number, to compare positions. */
export function lsnValue(lsn: string): bigint {
  const [hi = '0', lo = '0'] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

/** Where a replica stands: the WAL position it has replayed, and how long ago it replayed a commit. */
export interface ReplayState {
  lsn: string;
  /** Seconds since the last replayed commit while replay is behind what was received; 0 when caught up. */
  lagSeconds: number;
}

/** The replay state of the server behind `db`; undefined on a primary (it replays nothing). */
export async function replayState(db: Kysely<Database>): Promise<ReplayState | undefined> {
  const { rows } = await sql<{ lsn: string | null; lag: number | null }>`
    select pg_last_wal_replay_lsn()::text as lsn,
      case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
        else extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 end as lag`.execute(db);
  const row = rows[0];
  return row?.lsn ? { lsn: row.lsn, lagSeconds: Math.max(0, row.lag ?? 0) } : undefined;
}

/** The primary's current WAL position. */
export async function currentPosition(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(db);
  return rows[0]?.lsn ?? '0/0';
}
