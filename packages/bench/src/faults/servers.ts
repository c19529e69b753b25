import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@tagpulse/testkit/net';
import { Redis } from 'ioredis';
import pg from 'pg';

const run = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A PostgreSQL cluster of its own in a temp dir, so the fault suite can stop
 * and restart it without touching the server other people's tests use.
 * PostgreSQL refuses to run as root: as root it runs as the `postgres` user.
 */
export interface PrivatePostgres {
  url: string;
  /** Stops the server as a crash would (`-m immediate`), keeps it down `downMs`, starts it again. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  if (!existsSync(`${PG_BIN}/initdb`)) throw new Error(`${PG_BIN}/initdb not found (Debian's postgresql-15)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'tagpulse-faults-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, ...(await postgresIds()));
  const as = (cmd: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);
  const data = path.join(dir, 'data');
  await as(`${PG_BIN}/initdb`, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  // fsync off: the host never crashes here, only the server does, and the OS keeps its writes.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const ready = () =>
    until('the private PostgreSQL', async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.end();
      return true;
    });
  const start = async () => {
    await as(`${PG_BIN}/pg_ctl`, ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
    await ready();
  };
  const stop = (mode: string) => as(`${PG_BIN}/pg_ctl`, ['-D', data, '-m', mode, '-w', 'stop']);
  await start();
  return {
    url,
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

/**
 * A Redis of its own with an append-only file: a clean SHUTDOWN flushes it, so
 * BullMQ's jobs, job schedulers and rate-limit keys (with their expiry) come
 * back when the server starts again on the same directory.
 */
export interface PrivateRedis {
  url: string;
  /** SHUTDOWN (the AOF is flushed), down `downMs`, started again from the same files. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tagpulse-faults-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
        ...['--save', '', '--appendonly', 'yes', '--appendfsync', 'always'],
        ...['--maxmemory-policy', 'noeviction'],
      ],
      { stdio: 'ignore' },
    );
    const reap = () => child?.kill('SIGKILL');
    process.once('exit', reap);
    await until('the private Redis', async () => {
      const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      redis.on('error', () => {}); // refused until it listens: that is what we wait for
      try {
        await redis.connect();
        return (await redis.ping()) === 'PONG';
      } finally {
        redis.disconnect();
      }
    });
  };
  const shutdown = async () => {
    const exited = child && child.exitCode === null ? new Promise((r) => child?.once('exit', r)) : undefined;
    await run('redis-cli', ['-p', String(port), 'shutdown']).catch(() => {});
    await exited;
  };
  await start();
  return {
    url,
    async restart(downMs) {
      await shutdown();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    async stop() {
      await shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
