import { hashtagKey, SEED_HASHTAGS } from '@tagpulse/core';
import { cursorsRepository, type Database, gapsRepository } from '@tagpulse/db';
import { waitFor } from '@tagpulse/testkit/processes';
import {
  type BlueskySim,
  type BlueskyTruthPost,
  loadScenario,
  type Scenario,
  startBlueskySim,
  startSim,
} from '@tagpulse/x-sim';
import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { JETSTREAM_QUERY_KEY } from './bluesky/jetstream-capture.js';
import { useWorkerProcesses } from './testing/process-fixture.js';

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

function blueskyEnv(b: BlueskySim, credentials: boolean): Record<string, string> {
  return {
    BLUESKY_JETSTREAM_URL: b.jetstreamUrl,
    BLUESKY_SERVICE_URL: b.url,
    BLUESKY_REPLAY_WINDOW_SECONDS: String(REPLAY_MS / 1_000),
    ...(credentials ? { BLUESKY_HANDLE: b.account.handle, BLUESKY_APP_PASSWORD: b.account.password } : {}),
  };
}

/** The Jetstream cursor: the `time_us` of the last event stored, or undefined before the first. */
async function cursorUs(db: Kysely<Database>): Promise<number | undefined> {
  const c = await cursorsRepository.getCursor(db, JETSTREAM_QUERY_KEY);
  return c?.since_id ? Number(c.since_id) : undefined;
}

async function waitForCursorPast(db: Kysely<Database>, instantMs: number): Promise<number> {
  let us = 0;
  await waitFor(
    `the Jetstream cursor past ${new Date(instantMs).toISOString()}`,
    async () => {
      us = (await cursorUs(db)) ?? 0;
      return us > instantMs * 1_000;
    },
    120_000,
  );
  return us;
}

/** Waits until the sim's clock reaches an instant (its clock runs on its own). */
async function waitForSimTime(now: () => number, instantMs: number): Promise<void> {
  await waitFor(`sim time ${new Date(instantMs).toISOString()}`, async () => now() >= instantMs, 120_000, 50);
}

interface Difference {
  missing: string[];
  extra: string[];
  /** Stored live, deleted on Bluesky (before the cursor), or stored deleted and live there. */
  deletionWrong: string[];
  compared: number;
  deleted: number;
}

/**
 * Stored Bluesky posts of each seed hashtag created in [fromMs, toMs) against
 * the simulator's truth as of the cursor (what the stream has delivered),
 * leaving out what `excused` says capture could not see.
 */
async function compareBluesky(
  db: Kysely<Database>,
  b: BlueskySim,
  {
    fromMs,
    toMs,
    cursor,
    excused = () => false,
  }: {
    fromMs: number;
    toMs: number;
    cursor: number;
    excused?: (post: BlueskyTruthPost) => boolean;
  },
): Promise<Record<string, Difference>> {
  // Deletions at or before this millisecond are all below the cursor's µs.
  const now = Math.floor(cursor / 1_000) - 1;
  const out: Record<string, Difference> = {};
  for (const tag of SEED_HASHTAGS) {
    const truth = b.truth({ hashtag: tag, startMs: fromMs, endMs: toMs, now }).filter((p) => !excused(p));
    const rows = await db
      .selectFrom('posts as p')
      .innerJoin('post_hashtags as h', (j) =>
        j.onRef('h.post_id', '=', 'p.edit_root_id').onRef('h.created_at', '=', 'p.created_at'),
      )
      .select(['p.id', 'p.deleted_at'])
      .where('p.network', '=', 'bluesky')
      .where('h.tag_key', '=', hashtagKey(tag))
      .where('p.created_at', '>=', new Date(fromMs))
      .where('p.created_at', '<', new Date(toMs))
      .execute();
    const stored = new Map(rows.map((r) => [r.id, r.deleted_at]));
    const known = new Set(truth.map((p) => p.uri));
    const excusedStored = new Set(
      b
        .truth({ hashtag: tag, startMs: fromMs, endMs: toMs, now })
        .filter(excused)
        .map((p) => p.uri),
    );
    out[tag] = {
      missing: truth.filter((p) => !stored.has(p.uri)).map((p) => p.uri),
      extra: [...stored.keys()].filter((id) => !known.has(id) && !excusedStored.has(id)),
      deletionWrong: truth
        .filter((p) => stored.has(p.uri) && (stored.get(p.uri) !== null) !== (p.deleted_at !== undefined))
        .map((p) => p.uri),
      compared: truth.length,
      deleted: truth.filter((p) => p.deleted_at !== undefined).length,
    };
  }
  return out;
}

/** Every hashtag exact; at least `atLeast` posts compared, and (`deletions`) some deleted among them. */
function expectExact(result: Record<string, Difference>, atLeast = 50, deletions = true) {
  for (const [tag, d] of Object.entries(result))
    expect({ tag, missing: d.missing, extra: d.extra, deletionWrong: d.deletionWrong }).toEqual({
      tag,
      missing: [],
      extra: [],
      deletionWrong: [],
    });
  const all = Object.values(result);
  expect(all.reduce((n, d) => n + d.compared, 0)).toBeGreaterThan(atLeast);
  if (deletions) expect(all.reduce((n, d) => n + d.deleted, 0)).toBeGreaterThan(0);
}

describe('Bluesky capture from the Jetstream', () => {
  it('stores every post and deletion through an outage it resumes from and one past the replay window it catches up by search', async () => {
    const { sim, bsky: b, down } = await startBluesky(300);
    start(blueskyEnv(b, true));
    await waitFor('a first Jetstream cursor', async () => (await cursorUs(f.t.db)) !== undefined);
    const fromMs = Math.ceil(((await cursorUs(f.t.db)) ?? 0) / 1_000);
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
    const cursor = await waitForCursorPast(f.t.db, toMs);
    // Search shows no deleted posts: one deleted before the catch-up read its span is unseen, and a
    // deletion announced while the stream was down is missed (no look-ups mark them yet).
    const unseen = (p: { deleted_at?: string }) =>
      p.deleted_at !== undefined &&
      Date.parse(p.deleted_at) >= long.from - MINUTE &&
      Date.parse(p.deleted_at) < long.to + 30 * MINUTE;
    expectExact(await compareBluesky(f.t.db, b, { fromMs, toMs, cursor, excused: unseen }));
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
    start(blueskyEnv(b, false));
    await waitFor('a first Jetstream cursor', async () => (await cursorUs(f.t.db)) !== undefined);
    const fromMs = Math.ceil(((await cursorUs(f.t.db)) ?? 0) / 1_000);
    const now = () => sim.clock.now();
    await waitForSimTime(now, fromMs + 20 * MINUTE);
    const long = { from: now(), to: now() + 2 * HOUR };
    down.push(long);
    await waitForSimTime(now, long.to + 20 * MINUTE);
    const toMs = now();
    const cursor = await waitForCursorPast(f.t.db, toMs);
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
    // At 900x a slow start moves the window toward the scenario's sparse hours: fewer posts to compare.
    expectExact(await compareBluesky(f.t.db, b, { fromMs, toMs, cursor, excused }), 20);
  }, 240_000);

  it('loses and doubles nothing when the reader is SIGKILLed again and again, another worker taking over', async () => {
    // Slower: a killed holder's lock lapses (6 s) well inside the replay window, so the next reader resumes.
    const { sim, bsky: b } = await startBluesky(120, '2020-07-06T13:00:00Z');
    const env = blueskyEnv(b, true);
    start(env);
    await waitFor('a first Jetstream cursor', async () => (await cursorUs(f.t.db)) !== undefined);
    const fromMs = Math.ceil(((await cursorUs(f.t.db)) ?? 0) / 1_000);
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
    const toMs = sim.clock.now();
    const cursor = await waitForCursorPast(f.t.db, toMs);
    // What the kills may cost is a post lost or doubled; deletions are the other cases' (a quick run's
    // window may hold none).
    expectExact(await compareBluesky(f.t.db, b, { fromMs, toMs, cursor }), 20, false);
  }, 240_000);
});
