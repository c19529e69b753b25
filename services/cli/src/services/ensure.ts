import { setTimeout as sleep } from 'node:timers/promises';
import { redisNodeUrls } from '@tagpulse/queue';
import { redactUrls, urlOrigin } from '@tagpulse/runtime';
import { grantLocalRole, hostFacts, installed, installPackage, startPostgres, startRedis } from './debian.js';
import { COMPOSE_HINT, type HostFacts, isLocalUrl, planService, type ServiceAction } from './plan.js';
import { ensureDatabase, type ProbeResult, probePostgres, probeRedis } from './probe.js';

/** Raised when a server can be neither found nor started; the message says what to run. */
export class ServicesUnavailableError extends Error {
  override name = 'ServicesUnavailableError';
}

export interface EnsureServicesOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Progress lines for people. */
  say: (line: string) => void;
}

/**
 * Makes sure PostgreSQL and Redis answer at the configured URLs, starting or
 * installing them on this machine when it may, and creates the database.
 * Idempotent: when both answer it only probes them.
 */
export async function ensureServices({ databaseUrl, redisUrl, say }: EnsureServicesOptions): Promise<void> {
  const host = hostFacts();
  await ensurePostgres(databaseUrl, host, say);
  await ensureRedis(redisUrl, host, say);
}

async function ensurePostgres(url: string, host: HostFacts, say: (line: string) => void): Promise<void> {
  let probe = await probePostgres(url);
  if (!probe.reachable && !probe.authFailed) {
    const action = planService(
      { name: 'postgres', reachable: false, local: isLocalUrl(url), installed: installed.postgres() },
      host,
    );
    await act(action, 'PostgreSQL', say, { install: () => installPackage('postgres'), start: startPostgres });
    probe = await waitFor(
      () => probePostgres(url),
      (p) => p.reachable || p.authFailed === true,
    );
  }
  if (probe.authFailed) {
    if (!(isLocalUrl(url) && host.isRoot && installed.postgres())) {
      throw new ServicesUnavailableError(
        `PostgreSQL refused the credentials in DATABASE_URL: ${probe.error}`,
      );
    }
    say('PostgreSQL: giving the DATABASE_URL role its password (local server, peer access)');
    grantLocalRole(url);
    probe = await probePostgres(url);
  }
  if (!probe.reachable) throw new ServicesUnavailableError(`PostgreSQL does not answer: ${probe.error}`);
  const created = await ensureDatabase(url);
  say(`PostgreSQL: ready${created ? ' (database created)' : ''}`);
}

async function ensureRedis(url: string, host: HostFacts, say: (line: string) => void): Promise<void> {
  const nodes = redisNodeUrls(url);
  // A cluster's seed nodes are the operator's to run: each must answer; nothing is installed.
  if (nodes.length > 1) {
    const probes = await Promise.all(nodes.map((node) => probeRedis(node)));
    const down = probes.flatMap((p, i) =>
      p.reachable ? [] : [`${urlOrigin(nodes[i]!)}: ${redactUrls(p.error ?? 'no answer')}`],
    );
    if (down.length > 0)
      throw new ServicesUnavailableError(`Redis Cluster seed nodes do not answer: ${down.join('; ')}`);
    say(`Redis: ready (${nodes.length} cluster seed nodes answer)`);
    return;
  }
  let probe = await probeRedis(url);
  if (!probe.reachable) {
    const action = planService(
      { name: 'redis', reachable: false, local: isLocalUrl(url), installed: installed.redis() },
      host,
    );
    await act(action, 'Redis', say, { install: () => installPackage('redis'), start: () => startRedis(url) });
    probe = await waitFor(
      () => probeRedis(url),
      (p) => p.reachable,
    );
  }
  if (!probe.reachable) throw new ServicesUnavailableError(`Redis does not answer: ${probe.error}`);
  const policy = probe.maxmemoryPolicy;
  say(
    `Redis: ready${policy && policy !== 'noeviction' ? ` (warning: maxmemory-policy is ${policy}; BullMQ needs noeviction)` : ''}`,
  );
}

async function act(
  action: ServiceAction,
  label: string,
  say: (line: string) => void,
  how: { install: () => void; start: () => void },
): Promise<void> {
  switch (action.kind) {
    case 'ready':
      return;
    case 'install-and-start':
      say(`${label}: not installed; installing Debian's package`);
      how.install();
      say(`${label}: starting`);
      how.start();
      return;
    case 'start':
      say(`${label}: starting`);
      how.start();
      return;
    case 'give-up':
      throw new ServicesUnavailableError(`${action.reason}. Start it yourself, for example: ${COMPOSE_HINT}`);
  }
}

/** Polls until the probe satisfies `done` or 30 s pass; returns the last result. */
async function waitFor<T extends ProbeResult>(
  probe: () => Promise<T>,
  done: (result: T) => boolean,
): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const result = await probe();
    if (done(result) || Date.now() > deadline) return result;
    await sleep(500);
  }
}
