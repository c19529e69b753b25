import { type ApiKeyRow, apiKeysRepository, type Change, type Database } from '@tagpulse/db';
import type { Kysely } from 'kysely';

/** The longest a verified key is trusted without reading it again, notice or not. */
export const KEY_TRUST_MS = 1_000;

/** Verified keys kept at most; a key is one row, and there are few keys. */
const MAX_KEYS = 10_000;

interface Entry {
  row: ApiKeyRow;
  at: number;
}

/**
 * Verified API keys, kept in memory so that a request with a known key costs
 * no database read. Every change of `api_keys` (a key revoked, created,
 * deleted) is announced by the database (migration 0011) and empties it; while
 * the change feed is down nothing is kept or trusted, and every request reads
 * its key as it did before. A key read while a change arrives is not kept (it
 * may predate the change). A kept key is also read again after
 * {@link KEY_TRUST_MS}, so a notice lost on a connection nobody knows is dead
 * still cannot keep a revoked key working past that.
 */
export class KeyCache {
  readonly #entries = new Map<string, Entry>();
  readonly #trusted: () => boolean;
  readonly #now: () => number;
  #epoch = 0;

  constructor({ trusted, now = () => performance.now() }: { trusted: () => boolean; now?: () => number }) {
    this.#trusted = trusted;
    this.#now = now;
  }

  /**
   * The key a token stands for when it is kept and its secret matches;
   * undefined when it is not kept (it may still be a live key: ask `verify`).
   */
  known(token: string): ApiKeyRow | undefined {
    const entry = this.#kept(token);
    return entry && this.#now() - entry.at <= KEY_TRUST_MS ? entry.row : undefined;
  }

  /**
   * Whether a token is a key verified here before, however long ago (and not
   * found revoked since): its requests are no stranger's, even on the request
   * that reads it again.
   */
  recognised(token: string): boolean {
    return this.#kept(token) !== undefined;
  }

  #kept(token: string): Entry | undefined {
    if (!this.#trusted()) return undefined;
    const parsed = apiKeysRepository.parseApiKey(token);
    const entry = parsed && this.#entries.get(parsed.id);
    return parsed && entry && apiKeysRepository.secretMatches(entry.row, parsed.secret) ? entry : undefined;
  }

  /** The live key a token stands for, from memory or else from the database; undefined when none. */
  async verify(db: Kysely<Database>, token: string): Promise<ApiKeyRow | undefined> {
    const kept = this.known(token);
    if (kept) return kept;
    const parsed = apiKeysRepository.parseApiKey(token);
    if (!parsed) return undefined;
    const epoch = this.#epoch;
    const row = await apiKeysRepository.findLiveKey(db, parsed.id);
    if (!row) this.#entries.delete(parsed.id);
    if (row && epoch === this.#epoch && this.#trusted()) {
      // Oldest first: the map's insertion order is the eviction order.
      this.#entries.delete(row.id);
      this.#entries.set(row.id, { row, at: this.#now() });
      if (this.#entries.size > MAX_KEYS) this.#entries.delete(this.#entries.keys().next().value as string);
    }
    return row && apiKeysRepository.secretMatches(row, parsed.secret) ? row : undefined;
  }

  /** Forgets every key when keys changed, or when changes may have been missed. */
  apply(change: Change): void {
    if (change.table !== 'api_keys' && change.table !== 'reset') return;
    this.#epoch++;
    this.#entries.clear();
  }
}
