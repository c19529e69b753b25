import { hashtagKey, SEED_HASHTAGS } from '@tagpulse/core';
import { cursorsRepository, gapsRepository } from '@tagpulse/db';
import { blueskyCursorUs, compareBluesky, waitForBlueskyCursorPast } from '@tagpulse/testkit/bluesky-truth';
import { waitFor } from '@tagpulse/testkit/processes';
import {
  type BlueskySim,
  type BlueskyTruthPost,
  loadScenario,
  type Scenario,
  startBlueskySim,
  startSim,
} from '@tagpulse/x-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { JETSTREAM_QUERY_KEY } from './bluesky/jetstream-capture.js';
import { blueskyEnv, expectBlueskyExact } from './testing/bluesky-replay.js';
import { useWorkerProcesses } from './testing/process-fixture.js';
import { waitForSimTime } from './testing/replay.js';

const { fixture: f, start } = useWorkerProcesses();
let bsky: BlueskySim | undefined;
afterEach(async () => {
  await bsky?.close();
  bsky = undefined;
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The Jetstream replays an hour here (a day in public), so an outage past it fits in a short test. */
const REPLAY_MS = HOUR;

/** The week with most originals also on Bluesky and more of them deleted, from its busiest hours on. */
function blueskyScenario(): Scenario {
  const week = loadScenario('virtual-ct-week-2020');
  if (!week.bluesky) throw new Error('virtual-ct-week-2020 lost its Bluesky section');
  return {
    ...week,
    deletions: { rate: 0.1, after_minutes: { min: 2, max: 90 } },
    bluesky: { ...week.bluesky, share: 0.8 },
  };
}

async function startBluesky(speed: number, start = '2020-07-06T12:30:00Z') {
  f.sim = await startSim({ scenario: blueskyScenario(), speed, start, port: 0 });
  const down: { from: number; to: number }[] = [];
  bsky = await startBlueskySim({
    world: f.sim.world,
    clock: f.sim.clock,
    replayWindowMs: REPLAY_MS,
    jetstreamDown: down,
  });
  return { sim: f.sim, bsky, down };
}

describe('Bluesky capture from the Jetstream', () => {
  it('stores every post and deletion through an outage it resumes from and one past the replay window it catches up by search', async () => {
    const { sim, bsky: b, down } = await startBluesky(300);
    start(blueskyEnv(b, REPLAY_MS, true));
    await waitFor('a first Jetstream cursor', async () => (await blueskyCursorUs(f.t.db)) !== undefined);
    const fromMs = Math.ceil(((await blueskyCursorUs(f.t.db)) ?? 0) / 1_000);
    const now = () => sim.clock.now();
    // Within the replay window: resumed from the cursor.
    await waitForSimTime(now, fromMs + 30 * MINUTE);
    const short = { from: now(), to: now() + 10 * MINUTE };
    down.push(short);
    await waitForSimTime(now, short.to + 30 * MINUTE);
    // Longer than the window: the span it no longer replays is read through searchPosts.
    const long = { from: now(), to: now() + 2 * HOUR };
    down.push(long);
    await waitForSimTime(now, long.to + 30 * MINUTE);
    const toMs = now();
    const cursor = await waitForBlueskyCursorPast(f.t.db, toMs);
    // Search shows no deleted posts: one deleted before the catch-up read its span is unseen, and a
    // deletion announced while the stream was down waits for the post's next look-up (+1 h at the earliest).
    const unseen = (p: { deleted_at?: string }) =>
      p.deleted_at !== undefined &&
      Date.parse(p.deleted_at) >= long.from - MINUTE &&
      Date.parse(p.deleted_at) < long.to + 30 * MINUTE;
    expectBlueskyExact(
      await compareBluesky(f.t.db, b, { hashtags: SEED_HASHTAGS, fromMs, toMs, cursor, excused: unseen }),
    );
    // Authors from getProfiles; engagement from getPosts at +1 h (records carry no counts).
    const figures = await f.t.db
      .selectFrom('posts as p')
      .leftJoin('authors as a', 'a.id', 'p.author_id')
      .select((e) => [
        e.fn.countAll<string>().as('posts'),
        e.fn.count<string>('a.id').as('with_author'),
        e.fn.sum<string>('p.like_count').as('likes'),
        e.fn.sum<string>('a.followers_count').as('followers'),
      ])
      .where('p.network', '=', 'bluesky')
      .executeTakeFirstOrThrow();
    expect(Number(figures.with_author)).toBe(Number(figures.posts));
    expect(Number(figures.likes)).toBeGreaterThan(0);
    expect(Number(figures.followers)).toBeGreaterThan(0);
    // The long outage was caught up, not recorded as a gap.
    expect(await gapsRepository.listGaps(f.t.db, { network: 'bluesky' })).toEqual([]);
  }, 240_000);

  it('records the span past the replay window as a gap, with its cause, when no search is configured', async () => {
    const { sim, bsky: b, down } = await startBluesky(900);
    start(blueskyEnv(b, REPLAY_MS, false));
    await waitFor('a first Jetstream cursor', async () => (await blueskyCursorUs(f.t.db)) !== undefined);
    const fromMs = Math.ceil(((await blueskyCursorUs(f.t.db)) ?? 0) / 1_000);
    const now = () => sim.clock.now();
    await waitForSimTime(now, fromMs + 20 * MINUTE);
    const long = { from: now(), to: now() + 2 * HOUR };
    down.push(long);
    await waitForSimTime(now, long.to + 20 * MINUTE);
    const toMs = now();
    const cursor = await waitForBlueskyCursorPast(f.t.db, toMs);
    const gaps = await gapsRepository.listGaps(f.t.db, { network: 'bluesky' });
    expect(gaps.map((g) => g.cause)).toEqual(['beyond_replay_window']);
    expect(new Set(gaps.flatMap((g) => g.tag_keys))).toEqual(new Set(SEED_HASHTAGS.map(hashtagKey)));
    const gap = gaps[0]!;
    expect(gap.start_at.getTime()).toBeGreaterThanOrEqual(long.from - 5 * MINUTE);
    expect(gap.start_at.getTime()).toBeLessThanOrEqual(long.from);
    expect(gap.end_at.getTime()).toBeGreaterThan(long.from);
    expect(gap.end_at.getTime()).toBeLessThan(long.to);
    // Outside the gap, capture is exact; inside, what was stored is the stream's before it dropped.
    const inGap = (at: number) => at >= gap.start_at.getTime() && at < gap.end_at.getTime();
    const excused = (p: BlueskyTruthPost) =>
      (p.deleted_at !== undefined && inGap(Date.parse(p.deleted_at))) || inGap(Date.parse(p.created_at));
    // At 900x a slow start moves the window toward the scenario's sparse hours: fewer posts to compare,
    // and outside the excused gap often no deletion (none in 3 quiet runs); deletions are the first case's.
    expectBlueskyExact(
      await compareBluesky(f.t.db, b, { hashtags: SEED_HASHTAGS, fromMs, toMs, cursor, excused }),
      20,
      false,
    );
  }, 240_000);

  it('loses and doubles nothing when the reader is SIGKILLed again and again, another worker taking over', async () => {
    // Slower: a killed holder's lock lapses (6 s) well inside the replay window, so the next reader resumes.
    const { sim, bsky: b } = await startBluesky(120, '2020-07-06T13:00:00Z');
    const env = blueskyEnv(b, REPLAY_MS, true);
    start(env);
    await waitFor('a first Jetstream cursor', async () => (await blueskyCursorUs(f.t.db)) !== undefined);
    const fromMs = Math.ceil(((await blueskyCursorUs(f.t.db)) ?? 0) / 1_000);
    const version = async () =>
      (await cursorsRepository.getCursor(f.t.db, JETSTREAM_QUERY_KEY))?.version ?? 0;
    for (const afterMs of [30, 120, 0, 70]) {
      start(env);
      // Whichever worker reads, kill the first still alive once it has stored another batch.
      const seen = await version();
      await waitFor('a batch stored', async () => (await version()) > seen);
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      const victim = f.workers.find((w) => w.child.exitCode === null && w.child.signalCode === null);
      await victim?.kill('SIGKILL');
    }
    // Four quick kills may span only a few simulated minutes (20 posts compared in one CI run): the
    // compared window lasts at least half an hour of the scenario, whatever the kills took.
    await waitForSimTime(() => sim.clock.now(), fromMs + 30 * MINUTE);
    const toMs = sim.clock.now();
    const cursor = await waitForBlueskyCursorPast(f.t.db, toMs);
    // What the kills may cost is a post lost or doubled; deletions are the other cases' (a quick run's
    // window may hold none).
    expectBlueskyExact(
      await compareBluesky(f.t.db, b, { hashtags: SEED_HASHTAGS, fromMs, toMs, cursor }),
      20,
      false,
    );
  }, 240_000);
});
