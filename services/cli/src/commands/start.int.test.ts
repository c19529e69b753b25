import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedis } from '@tagpulse/queue';
import { loadSharedEnv } from '@tagpulse/runtime';
import { adminQuery, withDatabase } from '@tagpulse/testkit/db';
import { freePort } from '@tagpulse/testkit/net';
import { deletePrefix } from '@tagpulse/testkit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The checkout under test, cloned into the system's temp directory: the repository needs nothing beside it.
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const { DATABASE_URL, REDIS_URL } = loadSharedEnv();
const DB_NAME = `tagpulse_start_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const PREFIX = `start-test-${randomUUID().slice(0, 8)}`;

let clone: string;
let port: number;
/** The `npm start` of the test running now. */
let npm: ChildProcess | undefined;
let output: string[] = [];
const said = () => output.join('');

/** The environment of a fresh shell: none of this test run's npm, vitest or tagpulse settings. */
function freshShellEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !/^(npm_|VITEST|NODE_OPTIONS$|NODE_ENV$|LOG_LEVEL$|X_BEARER_TOKEN$|X_API_BASE_URL$|MASTODON_|BLUESKY_)/.test(
          name,
        ),
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

/** What is left of a process group after up to 5 s: '' when nothing, else its processes as `ps` lists them. */
async function groupLeft(pgid: number): Promise<string> {
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let waited = 0; alive() && waited < 5_000; waited += 100)
    await new Promise((resolve) => setTimeout(resolve, 100));
  if (!alive()) return '';
  return execFileSync('ps', ['-eo', 'pgid,pid,ppid,stat,etime,args'])
    .toString()
    .split('\n')
    .filter((line) => line.trim().split(/\s+/)[0] === String(pgid))
    .join('\n');
}

/**
 * `npm start` in the clone, in a process group of its own as a terminal gives a command (Ctrl-C
 * is SIGINT to the whole group); resolves once it printed the dashboard's address and a key.
 */
async function npmStart() {
  output = [];
  const child = spawn('npm', ['start'], {
    cwd: clone,
    env: freshShellEnv(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  npm = child;
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const [, url = '', key = ''] = await until(
    'the dashboard URL and an API key',
    async () => /dashboard {2}(http:\/\/\S+)\/#key=(tp_\S+)/.exec(said()) ?? undefined,
    300_000,
  );
  /** Posts stored, of every network or of one. */
  const stored = async (withKey = key, network = 'all') => {
    const res = await fetch(`${url}/v1/status?network=${network}`, {
      headers: { authorization: `Bearer ${withKey}` },
    });
    if (!res.ok) throw new Error(`/v1/status answered ${res.status}`);
    const body = (await res.json()) as { queries: { posts_stored: number }[] };
    return body.queries.reduce((sum, q) => sum + q.posts_stored, 0);
  };
  /** Ctrl-C as a terminal sends it; then what the user is left with. */
  const ctrlC = async () => {
    process.kill(-(child.pid ?? 0), 'SIGINT');
    const end = await exited;
    expect({ ...end, said: said().slice(-600) }).toMatchObject({ code: 0, signal: null });
    expect(said()).toContain('tagpulse: stopped.');
    // Nothing of the group is left behind, and the API's port is free again. A helper process whose
    // parent just ended (tsx's esbuild service reads its parent's stdin) may take a moment to see it:
    // once in a CI run the group still had a member the instant npm exited.
    expect(await groupLeft(child.pid ?? 0)).toBe('');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  };
  return { url, key, stored, ctrlC };
}

beforeAll(async () => {
  clone = mkdtempSync(join(tmpdir(), 'tagpulse-start-'));
  execFileSync('git', ['clone', '--quiet', ROOT, clone]);
  port = await freePort();
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
  let firstKey: string;
  let replayedFrom: string;

  it('installs, runs worker and API on x-sim, shows posts flowing, and stops on Ctrl-C with exit 0', async () => {
    const start = await npmStart();
    expect(start.url).toBe(`http://127.0.0.1:${port}`);
    expect(said()).toContain(`API key    ${start.key}`);
    expect(said()).toMatch(/hashtags: tracking #VirtualCTWeek, #UNCCTExpo, #UNiteToCounterTerrorism/);
    replayedFrom = /at 600× from (\S+)/.exec(said())?.[1] ?? '';
    expect(replayedFrom).toMatch(/^2020-07-06T04:00/);

    const page = await fetch(`${start.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/dashboard/app.js');

    // Posts are flowing: stored, and more of them a little later, read with the printed key.
    const first = await until(
      'posts stored',
      async () => ((n) => (n > 0 ? n : undefined))(await start.stored()),
      120_000,
    );
    await until(
      'more posts stored',
      async () => ((await start.stored()) > first ? true : undefined),
      120_000,
    );
    // Every network without credentials runs on its simulator, over the same replayed week.
    expect(said()).toMatch(/Mastodon: no MASTODON_INSTANCES, so from 3 simulated instances replaying/);
    expect(said()).toMatch(/Bluesky: no BLUESKY_HANDLE, so from a simulated Jetstream and AppView replaying/);
    for (const network of ['mastodon', 'bluesky']) {
      await until(
        `${network} posts stored`,
        async () => ((await start.stored(start.key, network)) > 0 ? true : undefined),
        120_000,
      );
    }
    firstKey = start.key;
    await start.ctrlC();
  }, 600_000);

  it('reuses what is there the second time: schema, hashtags, the replay goes on, earlier keys work', async () => {
    const start = await npmStart();
    expect(said()).toContain('schema: up to date');
    expect(said()).not.toContain('hashtags: tracking');
    const resumedFrom = /at 600× from (\S+)/.exec(said())?.[1] ?? '';
    expect(resumedFrom > replayedFrom).toBe(true);
    expect(start.key).not.toBe(firstKey);
    const before = await start.stored(firstKey);
    expect(before).toBeGreaterThan(0);
    await until(
      'more posts stored',
      async () => ((await start.stored()) > before ? true : undefined),
      120_000,
    );
    await start.ctrlC();
  }, 600_000);
});
