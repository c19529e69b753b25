import { gapsRepository } from '@tagpulse/db';
import { waitForBlueskyCursorPast } from '@tagpulse/testkit/bluesky-truth';
import { waitFor } from '@tagpulse/testkit/processes';
import { Redis } from 'ioredis';
import type { Fault, FaultContext } from './run.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MINUTE = 60_000;
/** The run starts at 11:40: its first Bluesky posts' +1 h look-ups (getPosts) are due from 12:40. */
const BLUESKY_LOOKUPS_DUE = Date.parse('2024-03-02T12:40:00Z');

/** X's capture cursor's version: it moves by one with every committed page. */
async function cursorVersion(ctx: FaultContext): Promise<number> {
  const c = await ctx.db
    .selectFrom('capture_cursors')
    .select('version')
    .where('network', '=', 'x')
    .executeTakeFirst();
  return Number(c?.version ?? 0);
}

/** Job schedulers (BullMQ keeps them in a `…:repeat` sorted set per queue) and the poll queue's limiter key. */
async function redisState(ctx: FaultContext): Promise<{ schedulers: number; limiterTtlMs: number }> {
  const redis = new Redis(ctx.servers.redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${ctx.prefix}:*:repeat`);
    let schedulers = 0;
    for (const key of keys) schedulers += await redis.zcard(key);
    const limiterTtlMs = await redis.pttl(`${ctx.prefix}:capture-poll:limiter`);
    return { schedulers, limiterTtlMs };
  } finally {
    redis.disconnect();
  }
}

/** The XRPC answers of a status so far, per method: `getPosts 12, getProfiles 3`. */
function xrpcAnswers(answers: Map<string, number>, status: number): string {
  const of = [...answers].flatMap(([key, n]) => {
    const [nsid, answered] = key.split(' ');
    return answered === String(status) ? [`${nsid?.split('.').at(-1)} ${n}`] : [];
  });
  return of.length > 0 ? of.join(', ') : 'none';
}

/** A phase of x-sim time during which a fault holds; `onset` turns it on, the returned function off. */
async function phase(ctx: FaultContext, simMs: number, onset: () => () => void): Promise<void> {
  const off = onset();
  await sleep(ctx.real(simMs));
  off();
}

export const FAULTS: Record<string, Fault> = {
  none: { name: 'none (control)', inject: async () => undefined },

  'kill-mid-page': {
    name: 'SIGKILL mid-page ×4',
    async inject(ctx) {
      // Slow answers keep a request in flight, so the kills land between a request and its commit.
      Object.assign(ctx.simFaults, { slow: 0.5, slowMs: 150 });
      for (const afterMs of [40, 110, 0, 160]) {
        // The previous worker is dead: the next request to X is this one's, so it is up.
        const asked = ctx.proxy.requests;
        await waitFor('a request to X by this worker', async () => ctx.proxy.requests > asked);
        const seen = await cursorVersion(ctx);
        await waitFor('a page committed by this worker', async () => (await cursorVersion(ctx)) > seen);
        await sleep(afterMs);
        await ctx.worker().kill('SIGKILL');
        ctx.startWorker();
      }
      ctx.simFaults.slow = 0;
      return undefined;
    },
  },

  'kill-mid-delivery': {
    name: 'SIGKILL mid-delivery',
    // The spike may fire while its first bucket is still filling, before FAULT_AT: be listening first.
    at: 'start',
    async inject(ctx) {
      // The first firing notice reaches the webhook; the worker dies before hearing the answer,
      // so it cannot mark the delivery sent. A new worker must finish it, under the same key.
      let killed: Promise<void> | undefined;
      ctx.receivers.onWebhook = async (notice) => {
        if (notice.kind !== 'firing' || killed) return;
        const dying = ctx.worker();
        killed = dying.kill('SIGKILL').then(() => void ctx.startWorker());
        await killed;
      };
      await waitFor('a firing notice to kill the worker on', async () => killed !== undefined, 120_000);
      await killed;
      const firing = ctx.receivers.received.filter((n) => n.channel === 'webhook' && n.kind === 'firing');
      return `webhook firing requests ${firing.length}`;
    },
  },

  'redis-restart': {
    name: 'Redis restart',
    async inject(ctx) {
      // X says the window is spent for 10 minutes; the worker records the wait in a Redis key with an
      // expiry. Redis restarts in the middle: schedulers, jobs and that wait must all come back.
      const resetAt = ctx.sim.clock.now() + 10 * MINUTE;
      ctx.proxy.fault = { kind: 'rate-limited', resetAt };
      await waitFor(
        'the worker to hold on a 429',
        async () => (await redisState(ctx)).limiterTtlMs > 0,
        30_000,
      );
      const before = await redisState(ctx);
      const askedBefore = ctx.proxy.faulted;
      await ctx.servers.redis!.restart(1_000);
      const after = await redisState(ctx);
      await ctx.untilSim(resetAt);
      ctx.proxy.fault = undefined;
      return (
        `schedulers ${before.schedulers}→${after.schedulers}, ` +
        `429 hold ${after.limiterTtlMs > 0 ? 'kept' : 'LOST'}, ` +
        `X asked during hold after restart ${ctx.proxy.faulted - askedBefore}`
      );
    },
  },

  'postgres-restart': {
    name: 'Postgres restart',
    async inject(ctx) {
      // Down for 3 s of real time (9 minutes of x-sim time at 180×), as a crash and recovery.
      await ctx.servers.postgres!.restart(3_000);
      return undefined;
    },
  },

  '503-storm': {
    name: '503 storm',
    stalls: 'always',
    async inject(ctx) {
      const before = ctx.proxy.requests;
      await phase(ctx, 20 * MINUTE, () => {
        ctx.simFaults.unavailable = 1;
        return () => {
          ctx.simFaults.unavailable = 0;
        };
      });
      return `X asked ${ctx.proxy.requests - before} times in 20 min of 503s`;
    },
  },

  'long-429': {
    name: '429 for 20 min',
    stalls: 'always',
    async inject(ctx) {
      const before = ctx.proxy.requests;
      const resetAt = ctx.sim.clock.now() + 20 * MINUTE;
      ctx.proxy.fault = { kind: 'rate-limited', resetAt };
      await ctx.untilSim(resetAt);
      ctx.proxy.fault = undefined;
      return `X asked ${ctx.proxy.requests - before} times before the reset`;
    },
  },

  'usage-cap': {
    name: 'usage cap',
    stalls: 'always',
    async inject(ctx) {
      // The monthly cap runs out; 10 minutes later the operator's plan allows more. The worker
      // probes a capped query once an hour, so capture resumes at its next probe.
      const before = ctx.proxy.requests;
      await phase(ctx, 10 * MINUTE, () => {
        ctx.proxy.fault = { kind: 'usage-capped' };
        return () => {
          ctx.proxy.fault = undefined;
        };
      });
      const asked = ctx.proxy.requests - before;
      await waitFor(
        'the capped query to be probed again',
        async () => {
          const c = await ctx.db
            .selectFrom('capture_cursors')
            .select('status')
            .where('network', '=', 'x')
            .executeTakeFirst();
          return c?.status !== 'usage_capped';
        },
        ctx.real(2 * 60 * MINUTE) + 30_000,
      );
      return `X asked ${asked} times while capped`;
    },
  },

  truncated: {
    name: 'truncated JSON',
    async inject(ctx) {
      await phase(ctx, 10 * MINUTE, () => {
        ctx.simFaults.truncate = 0.5;
        return () => {
          ctx.simFaults.truncate = 0;
        };
      });
      return undefined;
    },
  },

  malformed: {
    name: 'malformed JSON',
    async inject(ctx) {
      await phase(ctx, 10 * MINUTE, () => {
        ctx.proxy.fault = { kind: 'malformed' };
        return () => {
          ctx.proxy.fault = undefined;
        };
      });
      return `${ctx.proxy.faulted} malformed answers`;
    },
  },

  'clock-jump': {
    name: 'clock jumps +20 min',
    // Twenty minutes without a capture, as far as the clock can tell, until the next poll.
    stalls: 'may',
    async inject(ctx) {
      // X's clock (the worker follows it) leaps forward in the middle of the spike.
      ctx.sim.clock.set(ctx.sim.clock.now() + 20 * MINUTE);
      return undefined;
    },
  },

  'mastodon-down': {
    name: 'Mastodon instance down 30 min',
    mastodon: true,
    async inject(ctx) {
      // One instance answers 502 through the spike; its local statuses are read when it is back,
      // and the other instance's federated copies meanwhile. X and the other instance go on.
      const mastodon = ctx.mastodon!;
      const [instance] = mastodon.sim.instances;
      const from = ctx.sim.clock.now();
      mastodon.options.down.push({ domain: instance!.domain, from, to: from + 30 * MINUTE });
      await ctx.untilSim(from + 30 * MINUTE);
      return `${instance!.domain} down 30 min`;
    },
  },

  'mastodon-429': {
    name: 'Mastodon 429 for 20 min',
    mastodon: true,
    async inject(ctx) {
      // Both instances allow two requests per 5 minutes: most reads are 429s until the limit returns.
      const { options } = ctx.mastodon!;
      await phase(ctx, 20 * MINUTE, () => {
        options.rateLimit = 2;
        return () => {
          options.rateLimit = undefined;
        };
      });
      return undefined;
    },
  },

  'bluesky-disconnect': {
    name: 'Bluesky Jetstream down 30 min',
    bluesky: true,
    async inject(ctx) {
      // The Jetstream drops its stream and refuses new ones for three times its replay window: when
      // it is back, the span it no longer replays must be read through searchPosts.
      const bluesky = ctx.bluesky!;
      const from = ctx.sim.clock.now();
      bluesky.options.jetstreamDown.push({ from, to: from + 30 * MINUTE });
      await ctx.untilSim(from + 30 * MINUTE);
      // The catch-up by search, then the resumed stream, move the cursor past the outage.
      await waitForBlueskyCursorPast(ctx.db, from + 30 * MINUTE, 60_000);
      const gaps = await gapsRepository.listGaps(ctx.db, { network: 'bluesky' });
      return `answered 200: ${xrpcAnswers(bluesky.answers, 200)}; Bluesky gaps ${gaps.length}`;
    },
  },

  'bluesky-429': {
    name: 'Bluesky 429 for 20 min',
    bluesky: true,
    async inject(ctx) {
      // From 12:40, when the first posts' +1 h look-ups fall due, the AppView allows two requests per
      // 5 minutes: getPosts and getProfiles are mostly 429s while the stream goes on, and the
      // look-ups wait for the window to reopen.
      const { options, answers } = ctx.bluesky!;
      await ctx.untilSim(BLUESKY_LOOKUPS_DUE);
      await phase(ctx, 20 * MINUTE, () => {
        options.rateLimit = 2;
        return () => {
          options.rateLimit = undefined;
        };
      });
      return `answered 429: ${xrpcAnswers(answers, 429)}`;
    },
  },
};

/** What `npm test` runs: the cheapest faults that cover a crash, a Redis restart, bad answers and a Mastodon instance down. */
export const TEST_SELECTION = ['kill-mid-page', '503-storm', 'malformed', 'redis-restart', 'mastodon-down'];
