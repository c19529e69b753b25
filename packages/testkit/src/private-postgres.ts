import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDb } from '@tagpulse/db';
import { migrateToLatest } from '@tagpulse/migrations';
import pg from 'pg';
import { adminQuery, withDatabase } from './db/admin.js';
import { freePort } from './net.js';
import { waitFor } from './processes/worker-process.js';

const run = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL server of its own in a temp dir (Debian's postgresql-15 binaries), so a test or a
 * benchmark can stop, restart or replicate it without touching the server other people's tests
 * use. PostgreSQL refuses to run as root: as root it runs as the `postgres` user.
 */
export interface PrivatePostgres {
  /** Its `postgres` database, as the superuser `postgres` (trust). */
  url: string;
  port: number;
  /** Stops the server as a crash would (`-m immediate`), keeps it down `downMs`, starts it again. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** A fresh server (initdb); its WAL is enough for streaming replicas (`wal_level=replica`). */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  if (!existsSync(`${PG_BIN}/initdb`)) throw new Error(`${PG_BIN}/initdb not found (Debian's postgresql-15)`);
  return launch('tagpulse-pg-', (as, data) =>
    as(`${PG_BIN}/initdb`, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']),
  );
}

/**
 * A streaming replica of `primary` on a port of its own: `pg_basebackup -R` (a base backup, and
 * the settings to follow the primary's WAL from there), read-only, as a hot standby.
 */
export async function startStreamingReplica(primary: PrivatePostgres): Promise<PrivatePostgres> {
  return launch('tagpulse-pg-replica-', (as, data) =>
    as(`${PG_BIN}/pg_basebackup`, [
      ...['-D', data, '-R', '-X', 'stream', '--no-sync', '--checkpoint=fast'],
      ...['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres'],
    ]),
  );
}

type As = (cmd: string, args: string[]) => Promise<unknown>;

async function launch(
  prefix: string,
  create: (as: As, data: string) => Promise<unknown>,
): Promise<PrivatePostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, ...(await postgresIds()));
  const as: As = (cmd, args) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);
  const data = path.join(dir, 'data');
  await create(as, data);
  const port = await freePort();
  // fsync off: the host never crashes here, only the server does, and the OS keeps its writes.
  const options = [
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    '-c wal_level=replica -c max_wal_senders=5 -c hot_standby=on',
  ].join(' ');
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const start = async () => {
    await as(`${PG_BIN}/pg_ctl`, ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
    await waitFor('the private PostgreSQL', async () => {
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        return true;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => {});
      }
    });
  };
  const stop = (mode: string) => as(`${PG_BIN}/pg_ctl`, ['-D', data, '-m', mode, '-w', 'stop']);
  await start();
  return {
    url,
    port,
    async restart(downMs) {
      await stop('immediate');
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    async stop() {
      await stop('fast').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresIds(): Promise<[number, number]> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
    run('id', ['-u', 'postgres']),
    run('id', ['-g', 'postgres']),
  ]);
  return [Number(uid), Number(gid)];
}

/** A migrated tagpulse database on a private primary, and a streaming replica of it. */
export interface ReplicatedDatabase {
  primaryUrl: string;
  replicaUrl: string;
  /** Stops the replica's replay (`pg_wal_replay_pause()`): it falls behind while it receives. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a private primary, migrates a database on it, then takes a streaming replica of it. */
export async function startReplicatedDatabase(): Promise<ReplicatedDatabase> {
  const primary = await startPrivatePostgres();
  let replica: PrivatePostgres | undefined;
  try {
    await adminQuery(primary.url, 'create database tagpulse');
    const db = createDb({ url: withDatabase(primary.url, 'tagpulse'), max: 1 });
    await migrateToLatest(db).finally(() => db.destroy());
    replica = await startStreamingReplica(primary);
  } catch (err) {
    await primary.stop();
    throw err;
  }
  const standby = replica;
  const onReplica = async (statement: string) => {
    const client = new pg.Client({ connectionString: standby.url });
    await client.connect();
    await client.query(statement).finally(() => client.end());
  };
  return {
    primaryUrl: withDatabase(primary.url, 'tagpulse'),
    replicaUrl: withDatabase(standby.url, 'tagpulse'),
    pauseReplay: () => onReplica('select pg_wal_replay_pause()'),
    resumeReplay: () => onReplica('select pg_wal_replay_resume()'),
    async stop() {
      await standby.stop();
      await primary.stop();
    },
  };
}
