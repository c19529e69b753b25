import pg from 'pg';

/** The channel the database's triggers announce changes on (migrations 0007 and 0011). */
export const CHANGES_CHANNEL = 'tagpulse_changes';

/**
 * A committed change: roll-ups whose buckets start in [lo, hi] were written,
 * the tracked hashtags changed, or API keys were created, revoked or deleted.
 * `reset` means changes may have been missed (the feed was down): forget
 * everything derived from the database.
 */
export type Change =
  | { table: 'rollups'; lo: Date; hi: Date }
  | { table: 'hashtags' }
  | { table: 'api_keys' }
  | { table: 'reset' };

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
}: ChangeFeedOptions): Promise<ChangeFeed> {
  let client: pg.Client | undefined;
  let live = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let delay = retryMs;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, application_name: 'tagpulse-changes' });
    next.on('notification', (message) => {
      if (message.channel === CHANGES_CHANNEL) onChange(parseChange(message.payload));
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
    onChange({ table: 'reset' });
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
