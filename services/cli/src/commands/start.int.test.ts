import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminQuery, withDatabase } from '@tagpulse/db/testing';
import { createRedis } from '@tagpulse/queue';
import { deletePrefix } from '@tagpulse/queue/testing';
import { loadEnv } from '@tagpulse/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The checkout under test; the clone sits beside it so that `../shared` resolves as it does here.
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const { DATABASE_URL, REDIS_URL } = loadEnv();
const DB_NAME = `tagpulse_start_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const PREFIX = `start-test-${randomUUID().slice(0, 8)}`;

let clone: string;
let npm: ChildProcess | undefined;
const output: string[] = [];
const said = () => output.join('');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The environment of a fresh shell: none of this test run's npm, vitest or tagpulse settings. */
function freshShellEnv(port: number): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !/^(npm_|VITEST|NODE_OPTIONS$|NODE_ENV$|LOG_LEVEL$|X_BEARER_TOKEN$|X_API_BASE_URL$)/.test(name),
    ),
  );
  // A database of its own (start creates it), a queue prefix and a port: nothing shared with other tests.
  return {
    ...env,
    DATABASE_URL: withDatabase(DATABASE_URL, DB_NAME),
    QUEUE_PREFIX: PREFIX,
    API_HOST: '127.0.0.1',
    API_PORT: String(port),
  };
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    const ended = npm !== undefined && (npm.exitCode !== null || npm.signalCode !== null);
    if (ended || Date.now() > deadline) {
      throw new Error(`${what}: not seen; npm start said:\n${said().slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

beforeAll(() => {
  clone = mkdtempSync(join(dirname(ROOT), 'tmp-start-'));
  execFileSync('git', ['clone', '--quiet', ROOT, clone]);
});

afterAll(async () => {
  // Never leave a service running: the whole process group goes, whatever the test reached.
  if (npm?.pid && npm.exitCode === null && npm.signalCode === null) process.kill(-npm.pid, 'SIGKILL');
  rmSync(clone, { recursive: true, force: true });
  await adminQuery(DATABASE_URL, `drop database if exists ${DB_NAME} with (force)`);
  const redis = createRedis(REDIS_URL, 'producer', () => {});
  await new Promise((resolve) => redis.once('ready', resolve));
  await deletePrefix(redis, PREFIX);
  redis.disconnect();
});

describe('npm start in a fresh clone', () => {
  it('installs, runs worker and API on x-sim, shows posts flowing, and stops on Ctrl-C with exit 0', async () => {
    const port = await freePort();
    // Its own process group, as a terminal gives a command: Ctrl-C is SIGINT to the whole group.
    npm = spawn('npm', ['start'], {
      cwd: clone,
      env: freshShellEnv(port),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    npm.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    npm.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      npm?.once('exit', (code, signal) => resolve({ code, signal })),
    );

    // What the README promises the user sees: the dashboard's address and a key.
    const [, url, key] = await until(
      'the dashboard URL and an API key',
      async () => /dashboard {2}(http:\/\/\S+)\/#key=(tp_\S+)/.exec(said()) ?? undefined,
      300_000,
    );
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(said()).toContain(`API key    ${key}`);
    expect(said()).toMatch(/from x-sim replaying virtual-ct-week-2020 at 600×/);

    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/dashboard/app.js');

    // Posts are flowing: stored, and more of them a little later, read with the printed key.
    const stored = async () => {
      const res = await fetch(`${url}/v1/status`, { headers: { authorization: `Bearer ${key}` } });
      const body = (await res.json()) as { queries: { posts_stored: number }[] };
      return body.queries.reduce((sum, q) => sum + q.posts_stored, 0);
    };
    const first = await until(
      'posts stored',
      async () => ((n) => (n > 0 ? n : undefined))(await stored()),
      120_000,
    );
    await until('more posts stored', async () => ((await stored()) > first ? true : undefined), 120_000);

    process.kill(-(npm.pid ?? 0), 'SIGINT');
    const end = await exited;
    expect({ ...end, said: said().slice(-600) }).toMatchObject({ code: 0, signal: null });
    expect(said()).toContain('tagpulse: stopped.');
    // Nothing of the group is left behind, and the API's port is free again.
    expect(() => process.kill(-(npm?.pid ?? 0), 0)).toThrow();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 600_000);
});
