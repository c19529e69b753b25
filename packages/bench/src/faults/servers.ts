import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@tagpulse/testkit/net';
import { Redis } from 'ioredis';

const run = promisify(execFile);

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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
