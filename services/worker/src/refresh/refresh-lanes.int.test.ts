import { createBlueskyApi } from '@tagpulse/bluesky-client';
import { hashtagKey, type Post, SEED_HASHTAGS } from '@tagpulse/core';
import { createMastodonApi } from '@tagpulse/mastodon-client';
import { createTestDatabase, storePosts, type TestDatabase } from '@tagpulse/testkit/db';
import {
  type BlueskySim,
  type MastodonSim,
  type Sim,
  startBlueskySim,
  startMastodonSim,
} from '@tagpulse/x-sim';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMastodonTimelines, mastodonTimelines } from '../capture/mastodon-sync.js';
import type { WorkerDeps } from '../deps.js';
import { pollMastodon } from '../jobs/poll-mastodon.job.js';
import { pollQuery } from '../jobs/poll-query.job.js';
import { refreshEngagement } from '../jobs/refresh-engagement.job.js';
import { frozenCtWeek, handlerDeps, recordingCtx, seedHashtags } from '../testing/harness.js';
import { mastodonScenario } from '../testing/mastodon-replay.js';

const CAPTURED_AT = '2020-07-06T18:05:00Z';
// A day later: every post of the day before has its +1 h reading due, the oldest their +24 h.
const REFRESHED_AT = Date.parse('2020-07-07T20:00:00Z');
const DOWN_INSTANCE = 'respublicae.eu';

interface Setup {
  t: TestDatabase;
  sim: Sim;
  /** What the refresh reads: Bluesky and Mastodon over the same world as `sim`. */
  bluesky: BlueskySim;
  masto: MastodonSim;
  /** A second, unlimited view of the same instances: the test's own reading of the truth. */
  truthMasto: MastodonSim;
  /** Requests answered by the refresh's Bluesky, and by its instances (by domain). */
  blueskyRequests: number[];
  instanceRequests: Map<string, number>;
  down: { domain: string; from: number; to: number }[];
  deps: WorkerDeps;
}

let open: Setup | undefined;
afterEach(async () => {
  await open?.bluesky.close();
  await open?.masto.close();
  await open?.truthMasto.close();
  await open?.sim.close();
  await open?.t.drop();
  open = undefined;
});

/**
 * Captures the day before CAPTURED_AT on all three networks (X by search,
 * Mastodon by its timelines, Bluesky by getPosts of the simulator's posts),
 * then sets the clock to REFRESHED_AT.
 */
async function setUp(limits: { xLookups?: number; blueskyRequests?: number }): Promise<Setup> {
  const t = await createTestDatabase();
  const group = await seedHashtags(t.db);
  // More originals on Mastodon and more deletions than the week's own: statuses deleted since capture in a day.
  const sim = await frozenCtWeek(CAPTURED_AT, {
    scenario: mastodonScenario(),
    ...(limits.xLookups ? { rateLimits: { lookup: limits.xLookups } } : {}),
  });
  const blueskyRequests: number[] = [];
  const instanceRequests = new Map<string, number>();
  const down: Setup['down'] = [];
  const core = { world: sim.world, clock: sim.clock };
  const bluesky = await startBlueskySim({
    ...core,
    ...(limits.blueskyRequests ? { rateLimit: limits.blueskyRequests } : {}),
    onResponse: ({ status }) => blueskyRequests.push(status),
  });
  const masto = await startMastodonSim({
    ...core,
    down,
    onResponse: ({ domain }) => instanceRequests.set(domain, (instanceRequests.get(domain) ?? 0) + 1),
  });
  const truthMasto = await startMastodonSim({ ...core, rateLimit: 1_000_000 });
  const base = handlerDeps(t.db, sim);
  const deps: WorkerDeps = {
    ...base,
    bluesky: createBlueskyApi({ serviceUrl: bluesky.url }),
    mastodon: new Map(masto.instances.map((i) => [i.url, createMastodonApi({ url: i.url })])),
    settings: { ...base.settings, refreshBatchesPerRun: 100, mastodonLookupsPerRun: 1_000 },
  };
  open = { t, sim, bluesky, masto, truthMasto, blueskyRequests, instanceRequests, down, deps };

  await pollQuery({ queryKey: group.queryKey }, recordingCtx(deps));
  const timelines = await mastodonTimelines(deps);
  await applyMastodonTimelines(deps, timelines, 60_000);
  for (const { queryKey, instance, tagKey } of timelines) {
    await pollMastodon({ queryKey, instance, tagKey }, recordingCtx(deps));
  }
  // Bluesky as its catch-up stores it: the posts of the day, read with getPosts (from an
  // instance of its own, whose rate window the refresh does not share).
  const capture = await startBlueskySim(core);
  try {
    expect(await storedBlueskyCapture(deps, capture)).toBeGreaterThan(50);
  } finally {
    await capture.close();
  }
  blueskyRequests.length = 0;
  instanceRequests.clear();
  sim.clock.set(REFRESHED_AT);
  return open;
}

async function storedBlueskyCapture(deps: WorkerDeps, bluesky: BlueskySim): Promise<number> {
  const api = createBlueskyApi({ serviceUrl: bluesky.url });
  const now = sim().clock.now();
  const uris = new Set(
    SEED_HASHTAGS.flatMap((hashtag) =>
      bluesky
        .truth({ hashtag, startMs: now - 86_400_000, endMs: now, now })
        .filter((p) => !p.deleted_at)
        .map((p) => p.uri),
    ),
  );
  const posts: Post[] = [];
  const all = [...uris];
  for (let i = 0; i < all.length; i += 25) {
    posts.push(...(await api.getPosts(all.slice(i, i + 25), new Date(now))).posts);
  }
  await storePosts(deps.db, posts, []);
  return posts.length;
}

function sim(): Sim {
  if (!open) throw new Error('not set up');
  return open.sim;
}

interface StoredPost {
  id: string;
  network: string;
  like_count: number;
  repost_count: number;
  reply_count: number;
  deleted_at: Date | null;
  refresh_due_at: Date | null;
  refresh_stage: number;
  instance: string | null;
  local_id: string | null;
}

async function stored(s: Setup, network: string): Promise<StoredPost[]> {
  const { rows } = await sql<StoredPost>`
    select p.id, p.network, p.like_count::int, p.repost_count::int, p.reply_count::int, p.deleted_at,
      p.refresh_due_at, p.refresh_stage, l.instance, l.local_id
    from posts p left join mastodon_status_locations l on l.post_id = p.edit_root_id
    where p.network = ${network}`.execute(s.t.db);
  return rows;
}

const isDue = (p: StoredPost) => p.refresh_due_at !== null && p.refresh_due_at.getTime() <= sim().clock.now();

/** X's stored posts against the simulator: nothing due left, deletions marked, only those. */
async function expectXRefreshed(s: Setup) {
  const posts = await stored(s, 'x');
  expect(posts.filter(isDue)).toEqual([]);
  const deleted = new Set<string>();
  for (const tag of SEED_HASHTAGS) {
    const res = await fetch(`${s.sim.url}/__sim/truth/posts?hashtag=${hashtagKey(tag)}`);
    const { data } = (await res.json()) as {
      data: { id: string; edit_history_tweet_ids: string[]; deleted_at?: string }[];
    };
    for (const p of data) if (p.deleted_at) deleted.add(p.edit_history_tweet_ids[0] ?? p.id);
  }
  const marked = posts.filter((p) => p.deleted_at !== null);
  expect(marked.length).toBeGreaterThan(0);
  expect(marked.filter((p) => !deleted.has(p.id))).toEqual([]);
}

/**
 * The stored Mastodon posts of `instances` against the instances themselves,
 * read at the same now: each status's counts as the instance shows it, a
 * status the instance no longer has marked deleted, and none due any more.
 */
async function expectMastodonRefreshed(s: Setup, before: StoredPost[], instances: (d: string) => boolean) {
  const counts = (p: StoredPost) => [p.like_count, p.repost_count, p.reply_count];
  const captured = new Map(before.map((p) => [p.id, counts(p).join()]));
  const urls = new Map(s.truthMasto.instances.map((i) => [i.url, i.domain]));
  const domainOf = (p: StoredPost) => {
    const i = s.masto.instances.find((m) => m.url === p.instance);
    return i?.domain ?? '';
  };
  const posts = (await stored(s, 'mastodon')).filter((p) => instances(domainOf(p)));
  expect(posts.length).toBeGreaterThan(20);
  expect(posts.every((p) => p.local_id !== null)).toBe(true);
  expect(posts.filter(isDue)).toEqual([]);
  let moved = 0;
  for (const p of posts) {
    const url = [...urls].find(([, d]) => d === domainOf(p))?.[0];
    const res = await fetch(`${url}/api/v1/statuses/${p.local_id}`);
    if (res.status === 404) {
      expect({ id: p.id, deleted: p.deleted_at !== null }).toEqual({ id: p.id, deleted: true });
      continue;
    }
    const status = (await res.json()) as {
      uri: string;
      favourites_count: number;
      reblogs_count: number;
      replies_count: number;
    };
    expect(status.uri).toBe(p.id);
    expect({
      id: p.id,
      deleted: p.deleted_at,
      counts: [p.like_count, p.repost_count, p.reply_count],
    }).toEqual({
      id: p.id,
      deleted: null,
      counts: [status.favourites_count, status.reblogs_count, status.replies_count],
    });
    if (captured.get(p.id) !== counts(p).join()) moved++;
  }
  // The comparison holds for statuses deleted since capture and for counts that moved since.
  expect(posts.filter((p) => p.deleted_at !== null).length).toBeGreaterThan(0);
  expect(moved).toBeGreaterThan(0);
}

async function backoffs(s: Setup): Promise<Record<string, Date>> {
  const rows = await s.t.db.selectFrom('refresh_backoffs').selectAll().execute();
  return Object.fromEntries(rows.map((r) => [r.source, r.until]));
}

describe('engagement refresh, each source on its own', () => {
  it('goes on with X and Mastodon while Bluesky answers 429, and Mastodon instances while one is down', async () => {
    // One request per five minutes: the refresh's first getPosts passes, the second is refused.
    const s = await setUp({ blueskyRequests: 1 });
    const before = await stored(s, 'mastodon');
    expect(before.filter(isDue).length).toBeGreaterThan(20);
    const now = s.sim.clock.now();
    s.down.push({ domain: DOWN_INSTANCE, from: now, to: now + 60_000 });
    const ctx = recordingCtx(s.deps);
    await refreshEngagement({}, ctx);

    expect(s.blueskyRequests).toEqual([200, 429]);
    const held = await backoffs(s);
    expect(Object.keys(held)).toEqual(['bluesky']);
    expect(held.bluesky!.getTime()).toBeGreaterThan(now);
    expect(ctx.pauses).toEqual([]);
    const bluesky = await stored(s, 'bluesky');
    expect(bluesky.filter((p) => !isDue(p)).length).toBe(25);
    await expectXRefreshed(s);
    await expectMastodonRefreshed(s, before, (d) => d !== DOWN_INSTANCE);
    // The instance down: its statuses wait, none taken for deleted.
    const downUrl = s.masto.instances.find((i) => i.domain === DOWN_INSTANCE)?.url;
    const waiting = (await stored(s, 'mastodon')).filter((p) => p.instance === downUrl);
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.filter((p) => p.deleted_at !== null || !isDue(p))).toEqual([]);

    // Held: the next run asks Bluesky nothing; the instance is back and is read.
    s.sim.clock.set(now + 120_000);
    await refreshEngagement({}, ctx);
    expect(s.blueskyRequests).toEqual([200, 429]);
    await expectMastodonRefreshed(s, before, () => true);

    // Past the reset, Bluesky is read again.
    s.sim.clock.set(held.bluesky!.getTime() + 1);
    await refreshEngagement({}, ctx);
    expect(s.blueskyRequests).toEqual([200, 429, 200, 429]);
    expect((await stored(s, 'bluesky')).filter((p) => !isDue(p)).length).toBe(50);
  }, 120_000);

  it('goes on with Bluesky and Mastodon while X answers 429', async () => {
    const s = await setUp({ xLookups: 1 });
    const before = await stored(s, 'mastodon');
    const xDue = (await stored(s, 'x')).filter(isDue).length;
    const ctx = recordingCtx(s.deps);
    await refreshEngagement({}, ctx);

    const held = await backoffs(s);
    expect(Object.keys(held)).toEqual(['x']);
    expect(ctx.pauses).toEqual([]);
    // One look-up of 100 ids went through before the 429; the rest wait for X's reset.
    expect(xDue).toBeGreaterThan(100);
    expect((await stored(s, 'x')).filter(isDue).length).toBe(xDue - 100);
    const bluesky = await stored(s, 'bluesky');
    expect(bluesky.filter(isDue)).toEqual([]);
    expect(bluesky.filter((p) => p.deleted_at !== null).length).toBeGreaterThan(0);
    await expectMastodonRefreshed(s, before, () => true);
  }, 120_000);
});
