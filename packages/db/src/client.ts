import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

// pg returns int8 and numeric as strings, since they can exceed 2^53 (kysely recipe "data types").
// Only counts and sums are int8 here — post and user ids are text — so numbers are safe.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

export interface DbOptions {
  url: string;
  /** Pool size; a worker needs about its job concurrency plus one. */
  max?: number;
  applicationName?: string;
  /** PostgreSQL cancels any statement of the pool's connections running longer (error 57014); none by default. */
  statementTimeoutMs?: number;
  /** Called when an idle pooled connection fails (a Postgres restart); the pool reconnects on next use. */
  onIdleError?: (err: Error) => void;
  /**
   * Every transaction read-only (`default_transaction_read_only`): the API's read pool, so a write
   * routed to it by mistake fails on a primary as it would on a replica.
   */
  readOnly?: boolean;
}

/** A kysely instance over a pg pool. Call `destroy()` on shutdown. */
export function createDb({
  url,
  max = 10,
  applicationName = 'tagpulse',
  statementTimeoutMs,
  onIdleError,
  readOnly = false,
}: DbOptions): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    ...(statementTimeoutMs === undefined ? {} : { statement_timeout: statementTimeoutMs }),
    ...(readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
  });
  // Without a listener, an idle client's error would crash the process.
  pool.on('error', (err) => onIdleError?.(err));
  // The pool listens only to idle clients. A checked-out one whose connection drops between two
  // queries (a Postgres restart mid-transaction) emits 'error' with nobody listening: an uncaught
  // exception that killed the worker (bench faults, Postgres restart). The error is not lost: the
  // running or next query on that client fails with it, and the pool discards the client on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
