import { listenForChanges } from '@tagpulse/db';
import type { Logger } from '@tagpulse/runtime';
import { KeyCache } from './key-cache.js';
import type { ReadPools } from './read-pools.js';
import { ResponseCache } from './response-cache.js';

export interface Caches {
  /** Computed answers; with `maxBytes` 0 it is off: every answer is computed. */
  answers: ResponseCache;
  /** Verified API keys. */
  keys: KeyCache;
  close(): Promise<void>;
}

/**
 * The API's in-memory caches, both fed by one connection listening to the
 * database's change notices, and trusted only while it listens. `url` is the
 * primary's: replicas deliver no notices. Each change also tells the pools
 * how far a replica must have replayed before answers computed on it are kept.
 */
export async function startCaches({
  url,
  maxBytes,
  log,
  pools,
}: {
  url: string;
  maxBytes: number;
  log: Logger;
  pools: ReadPools;
}): Promise<Caches> {
  let live = () => false;
  const pool = () => pools.forAnswer();
  const answers = new ResponseCache(
    maxBytes > 0 ? { maxBytes, trusted: () => live(), pool } : { maxBytes: 1, trusted: () => false, pool },
  );
  const keys = new KeyCache({ trusted: () => live() });
  const feed = await listenForChanges({
    url,
    // Only a replica needs to know how far the primary's WAL had got when a change was heard.
    positions: pools.hasReplica,
    onChange: (change) => {
      pools.heard(change);
      answers.apply(change);
      keys.apply(change);
    },
    onError: (err) =>
      log.warn({ err }, 'change feed dropped; answers are computed and keys read until it is back'),
  });
  live = () => feed.live;
  return { answers, keys, close: () => feed.close() };
}
