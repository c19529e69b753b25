import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { apiKeysRepository, backfillsRepository, budgetRepository } from '@tagpulse/db';
import { createRedis } from '@tagpulse/queue';
import { loadSharedEnv } from '@tagpulse/runtime';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { spawnWorker, stopCli, type WorkerProcess } from '@tagpulse/testkit/processes';
import { deletePrefix, testPrefix } from '@tagpulse/testkit/queue';
import { type Sim, startSim } from '@tagpulse/x-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TAGS = ['VirtualCTWeek', '#UNCCTExpo', 'UNiteToCounterTerrorism'];
const FROM = '2020-07-06T04:00:00Z';
const TO = '2020-07-13T04:00:00Z';
// X's count of the week's searchable posts on the 2026 index (x-sim's default seed 1), one counts/all page.
const WEEK = { posts: 1198, requests: 4, usd: 6, seconds: 3 };

let t: TestDatabase;
let sim: Sim;
let worker: WorkerProcess;
let api: { child: ChildProcess; url: string };
let keys: { read: string; admin: string };
const prefix = testPrefix();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `tagpulse api` in its own process, as deployed, once it answers. */
async function startApi(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/cli/src/main.ts', 'api'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${env.API_PORT}`;
  while (
    !(await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null) throw new Error(`the API exited with code ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, url };
}

beforeAll(async () => {
  t = await createTestDatabase();
  // A fortnight after the week: only the archive reaches it. No hashtag is tracked, so nothing polls.
  sim = await startSim({
    scenario: 'virtual-ct-week-2020',
    speed: 60,
    start: '2020-07-27T12:00:00Z',
    port: 0,
  });
  const env = { DATABASE_URL: t.url, QUEUE_PREFIX: prefix, X_API_BASE_URL: sim.url, HASHTAG_SYNC_MS: '1000' };
  worker = spawnWorker(env);
  api = await startApi({ ...env, API_PORT: String(await freePort()), LOG_LEVEL: 'warn' });
  keys = {
    read: (await apiKeysRepository.createApiKey(t.db, { scope: 'read' })).key,
    admin: (await apiKeysRepository.createApiKey(t.db, { scope: 'admin' })).key,
  };
}, 120_000);
afterAll(async () => {
  await worker?.kill('SIGKILL');
  if (api) await stopCli(api.child);
  await sim?.close();
  const redis = createRedis(loadSharedEnv().REDIS_URL, 'worker', () => {});
  await deletePrefix(redis, prefix);
  redis.disconnect();
  await t?.drop();
});

function tagpulse(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'services/cli/src/main.ts', 'backfill', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: t.url, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' },
    timeout: 90_000,
  });
}

const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: { code: number; stdout: string; stderr: string }) => err,
  );

/** A back-fill, or a problem document, as the API answers. */
interface Answer {
  id: string;
  status: string;
  hashtags: string[];
  from: string;
  estimate: unknown;
  progress: Record<string, unknown>;
  detail: string;
  invalid_params: { name: string }[];
}

async function post(body: unknown, key: string) {
  const res = await fetch(`${api.url}/v1/backfills`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer };
}

const searches = async () => {
  const billing = (await (await fetch(`${sim.url}/__sim/billing`)).json()) as {
    data: { endpoint: string }[];
  };
  return billing.data.filter((c) => c.endpoint === '/2/tweets/search/all').length;
};

describe('tagpulse backfill', () => {
  it('--estimate-only prints the estimate from counts/all and reads nothing', async () => {
    const { stdout } = await tagpulse('--hashtags', ...TAGS, '--from', FROM, '--to', TO, '--estimate-only');
    expect(stdout).toContain(
      `estimate: ${WEEK.posts} posts, ${WEEK.requests} requests, $6.00, ${WEEK.seconds} s of X time at 1 request/s`,
    );
    expect(await searches()).toBe(0);
  });

  it('is refused above --max-usd, with the estimate in the error', async () => {
    const failure = await failureOf(
      tagpulse('--hashtags', ...TAGS, '--from', FROM, '--to', TO, '--max-usd', '5'),
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      `back-fill refused: estimate ${WEEK.posts} posts, ${WEEK.requests} requests, $6.00`,
    );
    expect(failure?.stderr).toContain('more than max_usd $5.00');
    expect(await searches()).toBe(0);
  });

  it('refuses bad input naming the option', async () => {
    const failure = await failureOf(tagpulse('--hashtags', 'VirtualCTWeek', '--from', TO, '--to', FROM));
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toBe('tagpulse: --to: must be after from\n');
  });

  it('back-fills a day with a progress bar to the end', async () => {
    const { stdout } = await tagpulse(
      '--hashtags',
      ...TAGS,
      '--from',
      '2020-07-08T00:00:00Z',
      '--to',
      '2020-07-09T00:00:00Z',
      '--max-usd',
      '10',
    );
    const done =
      /\[(#+)\] (\d+)\/(\d+) posts {2}\$(\d+\.\d\d) {2}ETA 0 s\ndone: (\d+) posts stored in (\d+) pages/.exec(
        stdout,
      );
    expect(done, stdout).not.toBeNull();
    expect(done![2]).toBe(done![3]);
    expect(Number(done![5])).toBe(Number(done![2]));
    expect(Number(done![2])).toBeGreaterThan(100);
  });
});

describe('POST /v1/backfills, GET /v1/backfills[/{id}]', () => {
  it('are admin only', async () => {
    const asRead = await post({ hashtags: TAGS, from: FROM, to: TO, estimate_only: true }, keys.read);
    expect(asRead.status).toBe(403);
    const list = await fetch(`${api.url}/v1/backfills`, {
      headers: { authorization: `Bearer ${keys.read}` },
    });
    expect(list.status).toBe(403);
    const anonymous = await fetch(`${api.url}/v1/backfills`);
    expect(anonymous.status).toBe(401);
  });

  it('estimate only: 200 with the estimate; GET shows it', async () => {
    const res = await post({ hashtags: TAGS, from: FROM, to: TO, estimate_only: true }, keys.admin);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('estimated');
    expect(res.body.estimate).toEqual(WEEK);
    expect(res.body.hashtags).toEqual(['uncctexpo', 'unitetocounterterrorism', 'virtualctweek']);
    const one = await fetch(`${api.url}/v1/backfills/${res.body.id}?tz=Europe/Vienna`, {
      headers: { authorization: `Bearer ${keys.admin}` },
    });
    expect(one.status).toBe(200);
    const got = (await one.json()) as Answer;
    expect(got.from).toBe('2020-07-06T06:00:00.000+02:00');
    expect(got.progress).toMatchObject({
      posts_done: 0,
      posts_estimated: WEEK.posts,
      pages: 0,
      requests: 1,
      spent_usd: 0.01,
    });
    const missing = await fetch(`${api.url}/v1/backfills/00000000-0000-4000-8000-000000000000`, {
      headers: { authorization: `Bearer ${keys.admin}` },
    });
    expect(missing.status).toBe(404);
  });

  it('refuses above max_usd (400 naming it, the estimate in the reason) and above the budget’s remainder', async () => {
    const over = await post({ hashtags: TAGS, from: FROM, to: TO, max_usd: 1 }, keys.admin);
    expect(over.status).toBe(400);
    expect(over.body.invalid_params[0]?.name).toBe('max_usd');
    expect(over.body.detail).toContain(
      `estimate ${WEEK.posts} posts, ${WEEK.requests} requests, $6.00, ${WEEK.seconds} s`,
    );
    await budgetRepository.setBudget(t.db, 3);
    try {
      const budget = await post({ hashtags: TAGS, from: FROM, to: TO }, keys.admin);
      expect(budget.status).toBe(400);
      expect(budget.body.detail).toMatch(
        /estimate 1198 posts.*more than the \$\d\.\d\d left of this month's X budget/,
      );
    } finally {
      await budgetRepository.setBudget(t.db, null);
    }
    const rows = await backfillsRepository.listBackfills(t.db);
    expect(rows.filter((b) => b.status === 'refused').length).toBeGreaterThanOrEqual(3);
    expect(await searches()).toBe(1);
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const res = await post({ hashtags: ['no spaces'], from: FROM, to: TO }, keys.admin);
    expect(res.status).toBe(400);
    expect(res.body.invalid_params[0]?.name).toBe('hashtags');
    const early = await post({ hashtags: TAGS, from: '2001-01-01T00:00:00Z', to: TO }, keys.admin);
    expect(early.status).toBe(400);
    expect(early.body.invalid_params[0]?.name).toBe('from');
  });
});
