// One fault run from start to verdict (servers, worker, proxy, receivers, the comparison), read top
// to bottom; the faults themselves are in faults.ts, the notices due in notices.ts.
import { randomUUID } from 'node:crypto';
import { parseHashtag } from '@tagpulse/core';
import { createDb, type Database, hashtagsRepository } from '@tagpulse/db';
import { redisNodeUrls } from '@tagpulse/queue';
import { blueskyCursorUs, waitForBlueskyCursorPast } from '@tagpulse/testkit/bluesky-truth';
import { adminQuery } from '@tagpulse/testkit/db';
import { waitForMastodonCycleAfter } from '@tagpulse/testkit/mastodon-truth';
import type { PrivatePostgres } from '@tagpulse/testkit/private-postgres';
import { spawnWorker, type WorkerProcess, waitFor } from '@tagpulse/testkit/processes';
import { deletePrefix } from '@tagpulse/testkit/queue';
import {
  type BlueskySim,
  type BlueskySimOptions,
  type MastodonSim,
  type MastodonSimOptions,
  type Sim,
  startBlueskySim,
  startMastodonSim,
  startSim,
} from '@tagpulse/x-sim';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import {
  countNotices,
  describeEpisodes,
  describeNotices,
  EXPECTED_NOTICES,
  resolvedOnBoth,
  STALL_NOTICES,
} from './notices.js';
import { type Receivers, startReceivers } from './receivers.js';
import { timeToRecover, waitForCycleAfter } from './recovery.js';
import { createRunDatabase } from './run-database.js';
import type { PrivateRedis } from './servers.js';
import { countPosts, type PostCount } from './truth.js';
import { startXProxy, type XProxy } from './x-proxy.js';

/** The spike scenario (services/x-sim/scenarios/spike.yaml): one known spike, so the right notices are known. */
const HASHTAG = 'SpikeTag';
const RUN_START = '2024-03-02T11:40:00Z';
/** Faults begin here, five minutes into the spike (12:00–12:30), while its alert is being decided. */
const FAULT_AT = Date.parse('2024-03-02T12:05:00Z');
/** By then the spike has resolved (two calm 5-minute buckets after 12:30, then the settle time). */
const LATEST_END = Date.parse('2024-03-02T13:45:00Z');
/**
 * The Jetstream replays 10 minutes of Bluesky time here (a day in public, where no outage of a bench
 * outlasts it): an outage of the spike's length then needs the catch-up by search.
 */
const BLUESKY_REPLAY_MS = 10 * 60_000;
/** Where runs keep their state: a PostgreSQL server and a Redis, private when a fault restarts them. */
export interface Servers {
  databaseUrl: string;
  redisUrl: string;
  postgres?: PrivatePostgres;
  redis?: PrivateRedis;
}

/** What a fault gets to work with while it runs. */
export interface FaultContext {
  sim: Sim;
  /** The scenario's Mastodon instances, in a fault that captures them; their options are read per request (outages, rate limit). */
  mastodon?: {
    sim: MastodonSim;
    options: MastodonSimOptions & { down: NonNullable<MastodonSimOptions['down']> };
  };
  /** The scenario's Bluesky (Jetstream and AppView), in a fault that captures it; its options are read per request and tick. */
  bluesky?: {
    sim: BlueskySim;
    options: BlueskySimOptions & { jetstreamDown: NonNullable<BlueskySimOptions['jetstreamDown']> };
    /** XRPC answers so far, by `<nsid> <status>`. */
    answers: Map<string, number>;
  };
  /** x-sim's own fault rates, read per request: setting a rate starts a fault, zero ends it. */
  simFaults: { unavailable?: number; truncate?: number; drop?: number; slow?: number; slowMs?: number };
  proxy: XProxy;
  receivers: Receivers;
  db: Kysely<Database>;
  servers: Servers;
  prefix: string;
  /** The worker running now (the last started). */
  worker(): WorkerProcess;
  startWorker(): WorkerProcess;
  /** Real milliseconds that `simMs` of x-sim time take. */
  real(simMs: number): number;
  /** Waits until x-sim's clock reaches `simMs`. */
  untilSim(simMs: number): Promise<void>;
}

export interface Fault {
  name: string;
  /** x-sim time at which it strikes; default FAULT_AT. A fault that waits for an event of its own starts at once. */
  at?: 'start';
  /**
   * `always` when it stops capture past ALERT_STALL_MINUTES: a stalled and a recovered notice are
   * then due too; `may` when the worker cannot tell it from such a stop until its next poll (the
   * clock jumping ahead): the pair is then allowed, once per channel, not required.
   */
  stalls?: 'always' | 'may';
  /**
   * Captures the scenario's Mastodon instances too (a third of its originals, federated between
   * two instances), and counts them against their truth. Only the Mastodon faults do: every source
   * added to one worker at 180x brings the loaded machine's pauses closer to a stall.
   */
  mastodon?: true;
  /**
   * Captures the scenario's Bluesky too (a third of its originals, from the Jetstream, with the
   * catch-up by search configured) and counts it against its truth. Only the Bluesky faults do.
   */
  bluesky?: true;
  /** Runs the fault; resolves once it is over (the system may still be recovering). A note for the table. */
  inject(ctx: FaultContext): Promise<string | undefined>;
}

export interface FaultResult {
  fault: string;
  posts: PostCount;
  noticesExpected: number;
  noticesSent: number;
  noticesMissing: number;
  noticesExtra: number;
  /** Real seconds from the fault's end until every post searchable then was stored. */
  recoverSeconds: number;
  note: string;
}

const SPEED = 180;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One fault during a replay of the spike scenario: a worker captures it from
 * x-sim (through a proxy that can misbehave) and delivers its alert to a
 * webhook and an SMTP server; at FAULT_AT the fault strikes. Afterwards the
 * stored posts are compared with x-sim's ground truth and the notices
 * received with the ones the spike must give.
 */
export async function runFault(fault: Fault, servers: Servers): Promise<FaultResult> {
  const simFaults: FaultContext['simFaults'] = {};
  const sim = await startSim({
    scenario: 'spike',
    speed: SPEED,
    start: RUN_START,
    port: 0,
    faults: simFaults,
  });
  const mastodonOptions: NonNullable<FaultContext['mastodon']>['options'] = {
    world: sim.world,
    clock: sim.clock,
    down: [],
  };
  const mastodon = fault.mastodon ? await startMastodonSim(mastodonOptions) : undefined;
  const blueskyAnswers = new Map<string, number>();
  const blueskyOptions: NonNullable<FaultContext['bluesky']>['options'] = {
    world: sim.world,
    clock: sim.clock,
    replayWindowMs: BLUESKY_REPLAY_MS,
    jetstreamDown: [],
    onResponse: ({ url, status }) => {
      const key = `${url.pathname.replace('/xrpc/', '')} ${status}`;
      blueskyAnswers.set(key, (blueskyAnswers.get(key) ?? 0) + 1);
    },
  };
  const bluesky = fault.bluesky ? await startBlueskySim(blueskyOptions) : undefined;
  const proxy = await startXProxy(sim.url, () => sim.clock.now());
  const receivers = await startReceivers();
  const database = await createRunDatabase(servers.databaseUrl);
  const db = createDb({ url: database.url, max: 3, applicationName: 'tagpulse-bench-faults' });
  const prefix = `tp-faults-${randomUUID()}`;
  const workers: WorkerProcess[] = [];
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: servers.redisUrl,
    QUEUE_PREFIX: prefix,
    X_API_BASE_URL: proxy.url,
    // The clock straight from x-sim: the proxy's faults are X's, not the clock's.
    X_CLOCK_URL: `${sim.url}/__sim/clock`,
    X_BEARER_TOKEN: 'bench-faults-bearer-token',
    MASTODON_INSTANCES: mastodon?.instances.map((i) => i.url).join(',') ?? '',
    ...(bluesky
      ? {
          BLUESKY_JETSTREAM_URL: bluesky.jetstreamUrl,
          BLUESKY_SERVICE_URL: bluesky.url,
          BLUESKY_HANDLE: bluesky.account.handle,
          BLUESKY_APP_PASSWORD: bluesky.account.password,
          BLUESKY_REPLAY_WINDOW_SECONDS: String(BLUESKY_REPLAY_MS / 1_000),
        }
      : {}),
    POLL_INTERVAL_MS: '300',
    HASHTAG_SYNC_MS: '1000',
    REFRESH_INTERVAL_MS: '1000',
    COVERAGE_INTERVAL_MS: '2000',
    ROLLUP_INTERVAL_MS: '300',
    SHUTDOWN_TIMEOUT_MS: '5000',
    // 3 s real is 9 minutes of x-sim time: a wedged Worker is replaced before the stall time.
    WORKER_WATCHDOG_SECONDS: '3',
    ALERT_INTERVAL_MS: '500',
    ALERT_SETTLE_SECONDS: '60',
    DELIVERY_INTERVAL_MS: '300',
    DELIVERY_TIMEOUT_MS: '1000',
    ALERT_WEBHOOK_URL: receivers.webhookUrl,
    // The receivers listen on 127.0.0.1, which webhooks may reach only when allowed.
    WEBHOOK_ALLOW_PRIVATE: '1',
    ALERT_EMAIL_TO: 'comms@example.org',
    SMTP_URL: receivers.smtpUrl,
  };
  const ctx: FaultContext = {
    sim,
    simFaults,
    proxy,
    receivers,
    db,
    servers,
    prefix,
    worker: () => workers.at(-1)!,
    startWorker() {
      const w = spawnWorker(env);
      workers.push(w);
      return w;
    },
    real: (simMs) => simMs / SPEED,
    untilSim: async (simMs) => {
      await sleep(Math.max(0, (simMs - sim.clock.now()) / SPEED));
    },
  };
  if (mastodon) ctx.mastodon = { sim: mastodon, options: mastodonOptions };
  if (bluesky) ctx.bluesky = { sim: bluesky, options: blueskyOptions, answers: blueskyAnswers };
  try {
    const tag = parseHashtag(HASHTAG);
    if (!tag.ok) throw new Error(tag.reason);
    await hashtagsRepository.addHashtag(db, tag);
    ctx.startWorker();
    // A first start reads the Jetstream from then on: Bluesky is compared from its first cursor.
    let blueskyFromMs = 0;
    if (bluesky)
      await waitFor('a first Jetstream cursor', async () => {
        blueskyFromMs = Math.ceil(((await blueskyCursorUs(db)) ?? 0) / 1_000);
        return blueskyFromMs > 0;
      });
    if (fault.at !== 'start') await ctx.untilSim(FAULT_AT);
    const note = (await fault.inject(ctx)) ?? '';
    const recoverSeconds = await timeToRecover(ctx, HASHTAG);
    // The spike resolves on both channels (or the run gives up at LATEST_END and counts what came).
    await waitFor(
      'the resolved notices',
      async () => resolvedOnBoth(receivers.received) || sim.clock.now() > LATEST_END,
      ctx.real(LATEST_END - sim.clock.now()) + 30_000,
    );
    const end = new Date(sim.clock.now());
    await waitForCycleAfter(db, new Date(end.getTime() + 2 * 60_000));
    if (mastodon) await waitForMastodonCycleAfter(db, end, mastodon.instances.length, 120_000);
    const blueskyRead = bluesky && {
      sim: bluesky,
      fromMs: blueskyFromMs,
      cursorUs: await waitForBlueskyCursorPast(db, end.getTime()),
    };
    // Anything a retried delivery might still send.
    await sleep(2_000);
    const posts = await countPosts(db, {
      simUrl: sim.url,
      mastodon,
      bluesky: blueskyRead,
      hashtag: HASHTAG,
      cutoff: end,
      now: sim.clock.now(),
    });
    const exited = workers.filter((w) => w.child.exitCode !== null && w.child.signalCode === null);
    const replaced =
      workers
        .flatMap((w) => w.output)
        .join('')
        .split('replaced by a new worker').length - 1;
    const notices = countNotices(
      receivers.received,
      fault.stalls === 'always' ? [...EXPECTED_NOTICES, ...STALL_NOTICES] : EXPECTED_NOTICES,
      fault.stalls === 'may' ? STALL_NOTICES : [],
    );
    const mismatch = notices.noticesMissing + notices.noticesExtra > 0;
    return {
      fault: fault.name,
      posts,
      ...notices,
      recoverSeconds,
      note: [
        note,
        exited.length > 0 ? `${exited.length} worker(s) exited on their own` : '',
        replaced > 0 ? `watchdog replaced ${replaced} wedged queue worker(s)` : '',
        // A run whose notices differ says what the alerts did, so a flaky run can be read afterwards.
        mismatch
          ? `received ${describeNotices(receivers.received)}; episodes ${await describeEpisodes(db)}`
          : '',
      ]
        .filter(Boolean)
        .join('; '),
    };
  } catch (err) {
    const output = workers
      .flatMap((w) => w.output)
      .join('')
      .slice(-3_000);
    throw new Error(`fault ${fault.name}: ${(err as Error).message}\nworker output:\n${output}`);
  } finally {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    await Promise.all([proxy.close(), receivers.close(), mastodon?.close(), bluesky?.close(), sim.close()]);
    await db.destroy();
    await adminQuery(servers.databaseUrl, `drop database if exists ${database.name} with (force)`).catch(
      () => {},
    );
    // A Redis Cluster (several nodes) is the run's own and dropped whole by its owner.
    if (redisNodeUrls(servers.redisUrl).length === 1) {
      const redis = new Redis(servers.redisUrl, { maxRetriesPerRequest: 1 });
      await deletePrefix(redis, prefix).catch(() => {});
      redis.disconnect();
    }
  }
}
