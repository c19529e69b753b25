import { hashtagKey, SEED_HASHTAGS, STORED_METRICS } from '@tagpulse/core';
import { cursorsRepository, gapsRepository, rollupsRepository } from '@tagpulse/db';
import { blueskyCursorUs, compareBluesky, waitForBlueskyCursorPast } from '@tagpulse/testkit/bluesky-truth';
import { compareMastodon, waitForMastodonCycleAfter } from '@tagpulse/testkit/mastodon-truth';
import { waitFor } from '@tagpulse/testkit/processes';
import {
  type BlueskySim,
  type BlueskyTruthPost,
  loadScenario,
  type MastodonSim,
  type Scenario,
  startBlueskySim,
  startMastodonSim,
  startSim,
} from '@tagpulse/x-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { blueskyEnv, expectBlueskyExact } from './testing/bluesky-replay.js';
import { mastodonEnv } from './testing/mastodon-replay.js';
import { xNoisyNeighbour } from './testing/noisy-neighbour.js';
import { useWorkerProcesses } from './testing/process-fixture.js';
import {
  compareSeedHashtags,
  EXACT,
  exact,
  SCENARIO_START,
  waitForCycleAfter,
  waitForRollupsOfStoredPosts,
  waitForSimTime,
} from './testing/replay.js';

const { fixture: f, start } = useWorkerProcesses();
let masto: MastodonSim | undefined;
let bsky: BlueskySim | undefined;
afterEach(async () => {
  await Promise.all([masto?.close(), bsky?.close()]);
  masto = undefined;
  bsky = undefined;
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The Jetstream replays an hour here (a day in public), so an outage past it fits in a short test. */
const REPLAY_MS = HOUR;
const TIMELINES = 3 * 3; // three Mastodon instances × three seed hashtags
const NETWORKS = ['x', 'mastodon', 'bluesky'] as const;

/** The week with half its originals also on Mastodon and on Bluesky, and a fifth deleted within the hour, so an afternoon holds every fault. */
function allNetworksScenario(): Scenario {
  const week = loadScenario('virtual-ct-week-2020');
  if (!week.mastodon || !week.bluesky) throw new Error('virtual-ct-week-2020 lost a network section');
  return {
    ...week,
    deletions: { rate: 0.2, after_minutes: { min: 2, max: 60 } },
    mastodon: { ...week.mastodon, share: 0.5 },
    bluesky: { ...week.bluesky, share: 0.5 },
  };
}

describe('capture of X, Mastodon and Bluesky at once', () => {
  it('stores each network as its simulator has it, through faults on all three and a SIGKILLed worker, and sums them in network=all', async () => {
    const answers = new Map<string, number>();
    const count =
      (network: string) =>
      ({ status }: { status: number }) =>
        answers.set(`${network} ${status}`, (answers.get(`${network} ${status}`) ?? 0) + 1);
    // 300×: five simulated minutes a second; a SIGKILLed reader's lock (6 s) lapses in 30.
    f.sim = await startSim({
      scenario: allNetworksScenario(),
      speed: 300,
      start: '2020-07-06T12:30:00Z',
      port: 0,
      // Ten searches per 15 minutes: a neighbour on the same token spends them during the 429 spell.
      rateLimits: { search: 10 },
      onResponse: ({ url, status }) => {
        if (url.pathname.startsWith('/2/')) count('x')({ status });
      },
    });
    const mastodonDown: { domain: string; from: number; to: number }[] = [];
    masto = await startMastodonSim({
      world: f.sim.world,
      clock: f.sim.clock,
      down: mastodonDown,
      onResponse: count('mastodon'),
    });
    const jetstreamDown: { from: number; to: number }[] = [];
    bsky = await startBlueskySim({
      world: f.sim.world,
      clock: f.sim.clock,
      replayWindowMs: REPLAY_MS,
      jetstreamDown,
      onResponse: ({ url, status }) => count(`bluesky ${url.pathname.split('.').at(-1)}`)({ status }),
    });
    const env = { ...mastodonEnv(masto), ...blueskyEnv(bsky, REPLAY_MS, true) };
    // The first worker alone takes the Jetstream reader's lock; the second shares X and Mastodon.
    const first = start(env);
    await waitFor('a first Jetstream cursor', async () => (await blueskyCursorUs(f.t.db)) !== undefined);
    const fromMs = Math.ceil(((await blueskyCursorUs(f.t.db)) ?? 0) / 1_000);
    start(env);
    const now = () => f.sim!.clock.now();

    // An instance down for an hour, and an X 429 spell of 20 minutes.
    await waitForSimTime(now, fromMs + 20 * MINUTE);
    mastodonDown.push({ domain: masto.instances[1]!.domain, from: now(), to: now() + HOUR });
    const quiet = xNoisyNeighbour(f.sim.url);
    await waitForSimTime(now, fromMs + 40 * MINUTE);
    quiet();
    await waitForSimTime(now, fromMs + 45 * MINUTE);
    // The Jetstream down past its replay window: the span it no longer replays is caught up by search.
    const long = { from: now(), to: now() + 90 * MINUTE };
    jetstreamDown.push(long);
    await waitForSimTime(now, long.from + 10 * MINUTE);
    // The reader (and half the X and Mastodon work) SIGKILLed mid-run: the other worker takes over
    // the lock while the Jetstream is still down, so it is the one to catch up.
    const seen = (await cursorsRepository.listCursors(f.t.db)).reduce((n, c) => n + c.version, 0);
    await waitFor(
      'another page stored',
      async () => (await cursorsRepository.listCursors(f.t.db)).reduce((n, c) => n + c.version, 0) > seen,
    );
    await first.kill('SIGKILL');
    await waitForSimTime(now, long.to + 30 * MINUTE);
    const toMs = now();
    const until = new Date(toMs);

    await waitForCycleAfter(f.t.db, f.group.queryKey, until);
    await waitForMastodonCycleAfter(f.t.db, until, TIMELINES);
    const cursor = await waitForBlueskyCursorPast(f.t.db, toMs);

    // X: every post settled by then, at its newest version, none stored twice (in any network).
    expect(exact(await compareSeedHashtags(f.t.db, f.sim, until))).toEqual(EXACT);
    // Mastodon: every live status once per uri, whichever instances showed it.
    const mastodon = await compareMastodon(f.t.db, masto, {
      hashtags: SEED_HASHTAGS,
      from: SCENARIO_START,
      until,
      now: now(),
    });
    for (const [tag, c] of Object.entries(mastodon))
      expect({ tag, missing: c.missing, extra: c.extra }).toEqual({ tag, missing: [], extra: [] });
    expect(Object.values(mastodon).reduce((n, c) => n + c.compared, 0)).toBeGreaterThan(50);
    expect(Object.values(mastodon).reduce((n, c) => n + c.federated, 0)).toBeGreaterThan(10);
    // Bluesky since the first cursor. Search shows no deleted posts: one deleted before the catch-up
    // read its span is unseen, and a deletion announced while the stream was down is missed.
    const unseen = (p: BlueskyTruthPost) =>
      p.deleted_at !== undefined &&
      Date.parse(p.deleted_at) >= long.from - MINUTE &&
      Date.parse(p.deleted_at) < long.to + 15 * MINUTE;
    const bluesky = await compareBluesky(f.t.db, bsky, {
      hashtags: SEED_HASHTAGS,
      fromMs,
      toMs,
      cursor,
      excused: unseen,
    });
    expectBlueskyExact(bluesky);
    expect(await gapsRepository.listGaps(f.t.db, { network: 'bluesky' })).toEqual([]);
    // The faults did happen: the result holds through them, not around them.
    expect(Object.fromEntries(answers)).toMatchObject({
      'x 429': expect.any(Number),
      'mastodon 502': expect.any(Number),
      'bluesky searchPosts 200': expect.any(Number),
    });
    expect(first.child.signalCode).toBe('SIGKILL');

    // Roll-ups: network=all equals the sum of the three networks, bucket by bucket and metric by
    // metric, read in one snapshot (a recompute writes a bucket's networks in one statement).
    // Whole hours only: the last one is still filling.
    const hourEnd = new Date(Math.floor(toMs / HOUR) * HOUR);
    await waitForRollupsOfStoredPosts(f.t.db, hourEnd);
    const series = await f.t.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const read = (scope: string, network: '*' | (typeof NETWORKS)[number]) =>
          rollupsRepository.readSeries(trx, {
            scope,
            network,
            grain: '1h',
            tz: 'UTC',
            from: SCENARIO_START,
            to: hourEnd,
          });
        const out = [];
        for (const scope of [rollupsRepository.ALL_SCOPE, ...SEED_HASHTAGS.map(hashtagKey)])
          out.push({
            scope,
            all: await read(scope, rollupsRepository.ALL_NETWORKS_ROW),
            networks: await Promise.all(NETWORKS.map((n) => read(scope, n))),
          });
        return out;
      });
    const posts = Object.fromEntries(NETWORKS.map((n) => [n, 0]));
    for (const { scope, all, networks } of series) {
      expect(all.size, scope).toBeGreaterThan(0);
      for (const [bucket, total] of all) {
        const summed = Object.fromEntries(
          STORED_METRICS.map((m) => [m, networks.reduce((n, s) => n + Number(s.get(bucket)?.[m] ?? 0), 0)]),
        );
        const stored = Object.fromEntries(STORED_METRICS.map((m) => [m, Number(total[m] ?? 0)]));
        expect({ scope, bucket: new Date(bucket), ...stored }).toEqual({
          scope,
          bucket: new Date(bucket),
          ...summed,
        });
      }
      if (scope === rollupsRepository.ALL_SCOPE)
        NETWORKS.forEach((n, i) => {
          for (const v of networks[i]!.values()) posts[n]! += Number(v.posts ?? 0);
        });
    }
    // Each network has posts of its own in the sums.
    for (const n of NETWORKS) expect(posts[n], n).toBeGreaterThan(0);
  }, 180_000);
});
