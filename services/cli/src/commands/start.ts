import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseHashtag, SEED_HASHTAGS } from '@tagpulse/core';
import { apiKeysRepository, createDb, cursorsRepository, hashtagsRepository } from '@tagpulse/db';
import { migrateToLatest } from '@tagpulse/migrations';
import { Command } from 'commander';
import { loadStartEnv, type StartEnv } from '../env.js';
import { ensureServices } from '../services/ensure.js';
import { type DemoSims, startDemoSims } from './demo-sims.js';
import { runCommand } from './run-command.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** How long the terminal's own Ctrl-C has to reach the children before `start` passes it on. */
const SIGNAL_GRACE_MS = 2_000;
const PROGRESS_MS = 30_000;

/** Migrates, seeds the hashtags into an empty list, and makes a read key for the dashboard. */
async function prepareDatabase(env: StartEnv): Promise<{ key: string; lastPollAt: Date | undefined }> {
  const db = createDb({ url: env.DATABASE_URL, max: 1, applicationName: 'tagpulse-start' });
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `schema: applied ${applied.join(', ')}` : 'schema: up to date');
    // Seed only an empty list: a hashtag someone removed stays removed.
    if ((await hashtagsRepository.listHashtags(db)).length === 0) {
      for (const tag of SEED_HASHTAGS) {
        const parsed = parseHashtag(tag);
        if (parsed.ok) await hashtagsRepository.addHashtag(db, parsed);
      }
      console.log(`hashtags: tracking ${SEED_HASHTAGS.map((t) => `#${t}`).join(', ')}`);
    }
    // A fresh key each start: only hashes are stored, so an earlier key cannot be shown again.
    // Earlier ones stay valid, so a browser that saved one keeps working across restarts.
    const { key } = await apiKeysRepository.createApiKey(db, { scope: 'read', name: 'npm start' });
    const polls = (await cursorsRepository.listCursors(db)).flatMap((c) =>
      c.last_poll_at ? [c.last_poll_at.getTime()] : [],
    );
    return { key, lastPollAt: polls.length ? new Date(Math.max(...polls)) : undefined };
  } finally {
    await db.destroy();
  }
}

interface Service {
  name: 'worker' | 'api';
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * One `tagpulse <name>` child, exactly what an operator runs: each keeps its own graceful
 * shutdown, which two services sharing one process could not (the first to finish would
 * exit the process under the other). Same process group, so the terminal's Ctrl-C reaches it.
 */
function spawnService(name: Service['name'], env: Record<string, string>): Service {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/cli/src/main.ts', name], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { name, child, exited };
}

const running = (s: Service) => s.child.exitCode === null && s.child.signalCode === null;

/** Waits until the API answers /readyz, or fails when its process ends first. */
async function waitForApi(api: Service, url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!running(api)) throw new Error('the API stopped before it answered; its log is above');
    const ok = await fetch(new URL('/readyz', url), { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the API did not answer at ${url} within ${timeoutMs / 1000} s`);
}

/** One line now and then, read through the API as the dashboard reads it: the posts are flowing. */
function reportProgress(url: string, key: string): NodeJS.Timeout {
  const timer = setInterval(async () => {
    try {
      const res = await fetch(new URL('/v1/status?tz=UTC', url), {
        headers: { authorization: `Bearer ${key}` },
        signal: AbortSignal.timeout(5_000),
      });
      const { queries } = (await res.json()) as {
        queries: { network: string; posts_stored: number; last_poll_at: string | null }[];
      };
      const byNetwork = new Map<string, number>();
      for (const q of queries) byNetwork.set(q.network, (byNetwork.get(q.network) ?? 0) + q.posts_stored);
      const stored = [...byNetwork.values()].reduce((sum, n) => sum + n, 0);
      const each = [...byNetwork].map(([network, n]) => `${network} ${n.toLocaleString('en')}`).join(', ');
      const clock =
        queries
          .map((q) => q.last_poll_at ?? '')
          .sort()
          .at(-1) || 'not polled yet';
      console.log(`capture: ${stored.toLocaleString('en')} posts stored (${each}); last poll at ${clock}`);
    } catch {
      // The worker's own log says what went wrong; this line is only a pulse.
    }
  }, PROGRESS_MS);
  timer.unref();
  return timer;
}

/**
 * Stops the services on Ctrl-C or SIGTERM and exits 0 when all of them stopped cleanly.
 * A terminal's Ctrl-C reaches every process of the group, so the children already have it:
 * `start` passes SIGINT on only to a child still running after a grace period (a second
 * signal would only make it log that it is already shutting down). SIGTERM comes to `start`
 * alone (docker stop, kill) and is passed on at once. A service that ends by itself ends the rest.
 */
function supervise(services: Service[], sims: DemoSims): (reason: string) => Promise<void> {
  let stopping = false;
  const stop = async (reason: string, signal: NodeJS.Signals, graceMs: number, failed: boolean) => {
    if (stopping) return;
    stopping = true;
    console.log(`tagpulse: ${reason}; stopping the worker and the API…`);
    const grace = setTimeout(() => {
      for (const s of services.filter(running)) s.child.kill(signal);
    }, graceMs);
    const results = await Promise.all(services.map((s) => s.exited));
    clearTimeout(grace);
    await sims.close();
    const clean = !failed && results.every((r) => r.code === 0);
    console.log(clean ? 'tagpulse: stopped.' : 'tagpulse: stopped, not cleanly (see above).');
    process.exit(clean ? 0 : 1);
  };
  process.on('SIGINT', () => void stop('Ctrl-C', 'SIGINT', SIGNAL_GRACE_MS, false));
  process.on('SIGTERM', () => void stop('SIGTERM', 'SIGTERM', 0, false));
  for (const s of services) {
    void s.exited.then(({ code, signal }) => {
      if (!stopping) void stop(`the ${s.name} ended (${signal ?? `exit ${code}`})`, 'SIGTERM', 0, true);
    });
  }
  return (reason) => stop(reason, 'SIGTERM', 0, true);
}

/** Where a browser on this machine reaches the API. */
function localUrl(env: StartEnv): string {
  const host = ['0.0.0.0', '::'].includes(env.API_HOST) ? '127.0.0.1' : env.API_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${env.API_PORT}`;
}

async function start(): Promise<void> {
  const env = loadStartEnv();
  await ensureServices({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL, say: console.log });
  const { key, lastPollAt } = await prepareDatabase(env);
  const sims = await startDemoSims(env, lastPollAt);
  for (const line of sims.lines) console.log(`capture: ${line}`);
  // JSON logs of both services would bury the lines below; LOG_LEVEL=info brings them back.
  const logLevel = process.env.LOG_LEVEL ?? 'warn';
  const services = [
    spawnService('worker', { ...sims.workerEnv, LOG_LEVEL: logLevel }),
    spawnService('api', { LOG_LEVEL: logLevel }),
  ];
  const fail = supervise(services, sims);
  const url = localUrl(env);
  const [, api] = services;
  try {
    await waitForApi(api!, url);
  } catch (err) {
    await fail((err as Error).message);
  }
  console.log(
    [
      '',
      'tagpulse is running: a capture worker and the query API.',
      `  dashboard  ${url}/#key=${key}`,
      `  API key    ${key}   (read scope; a new one each start, earlier ones still work)`,
      `  API        ${url}/v1/…   docs at ${url}/docs`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  reportProgress(url, key);
}

export function startCommand(): Command {
  return new Command('start')
    .description(
      'set everything up (PostgreSQL, Redis, schema, seed hashtags), run a capture worker and the query API, print the dashboard URL and a key',
    )
    .action(() => runCommand(start));
}
