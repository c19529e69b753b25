import { type Change, currentPosition, type Database, lsnValue, replayState } from '@tagpulse/db';
import type { Kysely } from 'kysely';

/** How far a read replica is behind its primary. */
export interface ReplicaLag {
  /** WAL bytes the primary has written that the replica has not replayed. */
  bytes: number;
  /** Seconds since the replica replayed a commit, while it has received more than it replayed; 0 caught up. */
  seconds: number;
}

/**
 * The API's pools: `primary` takes every write (and the reads a write decides on); `read` every
 * other `/v1` read, a streaming replica when DATABASE_READ_URL names one, else the primary too.
 *
 * A replica shows a change only once it has replayed the change's commit, later than the primary's
 * notice of it (replicas deliver no NOTIFY: the change feed listens on the primary). So the answer
 * cache computes on the replica only once it has replayed up to the WAL position of every change
 * heard ({@link heard}), and on the primary until then: it never keeps an answer that misses a
 * change it was told of, and a client reads its own change at once.
 */
export class ReadPools {
  readonly primary: Kysely<Database>;
  readonly read: Kysely<Database>;
  /** The position every change heard so far needs the replica to have replayed. */
  #needed = 0n;
  #replayed = 0n;
  #checking: Promise<bigint> | undefined;

  constructor(primary: Kysely<Database>, replica?: Kysely<Database>) {
    this.primary = primary;
    this.read = replica ?? primary;
  }

  get hasReplica(): boolean {
    return this.read !== this.primary;
  }

  /** A change the feed heard, with the primary's position read after it. */
  heard(change: Change): void {
    if (change.lsn !== undefined) this.#raise(change.lsn);
  }

  #raise(position: string): void {
    const lsn = lsnValue(position);
    if (lsn > this.#needed) this.#needed = lsn;
  }

  /**
   * After a write through this process: answers wait for the replica to replay it too, so the
   * client that wrote reads its change next, even before the change's notice arrives.
   */
  async wrote(): Promise<void> {
    if (!this.hasReplica) return;
    this.#raise(await currentPosition(this.primary));
  }

  /** The pool an answer to keep is computed on: the replica once it shows every change heard. */
  async forAnswer(): Promise<Kysely<Database>> {
    if (!this.hasReplica) return this.primary;
    const needed = this.#needed;
    if (this.#replayed >= needed) return this.read;
    const replayed = await this.#replay().catch(() => 0n);
    return replayed >= needed ? this.read : this.primary;
  }

  /** How far the replica is behind; undefined without one. */
  async lag(): Promise<ReplicaLag | undefined> {
    if (!this.hasReplica) return undefined;
    const [primary, state] = await Promise.all([currentPosition(this.primary), replayState(this.read)]);
    if (!state) throw new Error('DATABASE_READ_URL is not a replica: it replays no WAL');
    const behind = lsnValue(primary) - lsnValue(state.lsn);
    return { bytes: Number(behind > 0n ? behind : 0n), seconds: state.lagSeconds };
  }

  /** The replica's replay position, read once for every request that asks while it is being read. */
  #replay(): Promise<bigint> {
    this.#checking ??= replayState(this.read)
      .then((state) => {
        const lsn = state ? lsnValue(state.lsn) : 0n;
        if (lsn > this.#replayed) this.#replayed = lsn;
        return this.#replayed;
      })
      .finally(() => {
        this.#checking = undefined;
      });
    return this.#checking;
  }
}
