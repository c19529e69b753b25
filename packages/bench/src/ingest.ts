import { randomUUID } from 'node:crypto';
import { createBlueskyApi, openJetstream, recordToPost } from '@tagpulse/bluesky-client';
import type { Author, Network, Post } from '@tagpulse/core';
import { type CursorPatch, createDb, cursorsRepository, type Database, pageStore } from '@tagpulse/db';
import { createMastodonApi, mastodonIdAt } from '@tagpulse/mastodon-client';
import { migrateToLatest } from '@tagpulse/migrations';
import { adminQuery, withDatabase } from '@tagpulse/testkit/db';
import { createXApi } from '@tagpulse/x-client';
import {
  loadScenario,
  type Scenario,
  type Sim,
  startBlueskySim,
  startMastodonSim,
  startSim,
} from '@tagpulse/x-sim';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { copyRows, createCopyTables } from './copy-baseline.js';
import type { Figure } from './report.js';

export interface IngestBenchOptions {
  databaseUrl: string;
  /** Posts to read from each network's simulator and store. */
  posts: number;
}

export interface IngestBenchResult {
  rows: Record<string, Figure>[];
  figures: Record<string, Figure>;
}

const QUERY = '(#OtherTag OR #SteadyTag)';
const TAG_KEYS = ['othertag', 'steadytag'];
// Two days into the `steady` week: 60 posts a minute, so 172,800 posts are searchable.
const SIM_START = '2024-01-03T00:00:00Z';
const UNLIMITED = 1_000_000_000;

/** What capture hands the page store at once: an X or Mastodon page, a Jetstream batch. */
interface Batch {
  posts: Post[];
  authors: Author[];
  patch: CursorPatch;
}

/**
 * The `steady` week on all three networks: every original also posted on Mastodon (two
 * instances federating half of each other's) and on Bluesky, so each has tens of thousands
 * of posts in the two days before the clock.
 */
function steadyEverywhere(): Scenario {
  return {
    ...loadScenario('steady'),
    mastodon: {
      share: 1,
      instances: ['bench.example', 'mirror.example'],
      federated: 0.5,
      federation_delay_seconds: { min: 5, max: 120 },
    },
    bluesky: { share: 1, tags_only: 0.2 },
  };
}

/** X: search pages newest first, going back with until_id as the poller does. */
async function xBatches(sim: Sim, wanted: number, seenAt: Date): Promise<Batch[]> {
  const x = createXApi({ bearerToken: 'bench-token-0123456789abcdef', baseUrl: sim.url });
  const batches: Batch[] = [];
  let untilId: string | undefined;
  let count = 0;
  while (count < wanted) {
    const page = await x.searchPage({ query: QUERY, untilId, maxResults: 100 }, seenAt);
    batches.push({
      posts: page.posts,
      authors: page.authors,
      patch: { cycle_until_id: page.oldestId ?? null },
    });
    count += page.posts.length;
    if (!page.nextToken || !page.oldestId) break;
    untilId = page.oldestId;
  }
  return batches;
}

/** Mastodon: one instance's hashtag timeline, forward from `min_id` 40 at a time, as the poller reads it. */
async function mastodonBatches(sim: Sim, wanted: number, seenAt: Date): Promise<Batch[]> {
  const mastodon = await startMastodonSim({ world: sim.world, clock: sim.clock, rateLimit: UNLIMITED });
  try {
    const api = createMastodonApi({ url: mastodon.instances[0]?.url ?? '' });
    const batches: Batch[] = [];
    let minId = mastodonIdAt(sim.world.window.start);
    let count = 0;
    while (count < wanted) {
      const page = await api.tagPage({ hashtag: 'steadytag', minId }, seenAt);
      if (!page.newestId || page.posts.length === 0) break;
      batches.push({
        posts: page.posts,
        authors: page.authors,
        patch: { since_id: page.newestId, cycle_newest_id: page.newestId },
      });
      count += page.posts.length;
      minId = page.newestId;
    }
    return batches;
  } finally {
    await mastodon.close();
  }
}

const JETSTREAM_BATCH = 100;

/**
 * Bluesky: post records replayed by the Jetstream from the week's start, mapped as the
 * Jetstream capture maps them (hashtags matched on our side, counts zero at creation), in
 * batches of {@link JETSTREAM_BATCH}. Authors are attached later, in store order.
 */
async function blueskyPosts(
  sim: Sim,
  wanted: number,
): Promise<{ batches: Batch[]; serviceUrl: string; close: () => Promise<void> }> {
  const start = sim.world.window.start;
  const bsky = await startBlueskySim({
    world: sim.world,
    clock: sim.clock,
    rateLimit: UNLIMITED,
    replayWindowMs: sim.clock.now() - start + 3_600_000,
  });
  const tracked = new Set(TAG_KEYS);
  const posts: Post[] = [];
  let lastUs = 0;
  await new Promise<void>((resolve, reject) => {
    const connection = openJetstream({
      url: bsky.jetstreamUrl,
      cursorUs: start * 1_000,
      onEvent: (e) => {
        if (e.op !== 'create' || posts.length >= wanted) return;
        const post = recordToPost(
          e.uri,
          e.did,
          e.record,
          { likes: 0, reposts: 0, replies: 0, quotes: 0 },
          new Date(e.record.createdAt),
          e.raw,
        );
        if (!post.hashtags.some((h) => tracked.has(h))) return;
        posts.push(post);
        lastUs = e.timeUs;
        if (posts.length >= wanted) connection.close();
      },
      onClose: (reason) =>
        posts.length >= wanted ? resolve() : reject(new Error(`the Jetstream closed early: ${reason}`)),
    });
  });
  const batches: Batch[] = [];
  for (let i = 0; i < posts.length; i += JETSTREAM_BATCH)
    batches.push({
      posts: posts.slice(i, i + JETSTREAM_BATCH),
      authors: [],
      patch: { since_id: String(lastUs) },
    });
  return { batches, serviceUrl: bsky.url, close: () => bsky.close() };
}

const ROUNDS = 5;

/** Round r stores every ROUNDS-th batch from r: each round a sample of the whole read. */
function roundsOf(batches: Batch[]): Batch[][] {
  return Array.from({ length: ROUNDS }, (_, r) => batches.filter((_, i) => i % ROUNDS === r));
}

/**
 * The Jetstream capture looks up only the authors it has not stored: each batch gets the
 * profiles of the authors first seen in it, in the order the bench stores the batches.
 */
async function attachNewAuthors(rounds: Batch[][], serviceUrl: string, seenAt: Date): Promise<void> {
  const api = createBlueskyApi({ serviceUrl });
  const seen = new Set<string>();
  for (const batch of rounds.flat()) {
    const fresh = [...new Set(batch.posts.map((p) => p.authorId))].filter((d) => !seen.has(d));
    for (const d of fresh) seen.add(d);
    for (let i = 0; i < fresh.length; i += 25)
      batch.authors.push(...(await api.getProfiles(fresh.slice(i, i + 25), seenAt)));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function seconds(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

interface Round {
  posts: number;
  storeS: number;
  copyS: number;
}

/**
 * Store and COPY take turns on the same rows, round after round, so a busy machine weighs on
 * both alike.
 */
async function measure(
  db: Kysely<Database>,
  client: pg.PoolClient,
  network: Network,
  rounds: Batch[][],
  seenAt: Date,
): Promise<Round[]> {
  const queryKey = `bench-${network}`;
  await cursorsRepository.ensureCursor(db, {
    queryKey,
    network,
    query: QUERY,
    tagKeys: TAG_KEYS,
    sinceId: null,
  });
  let version = 0;
  const measured: Round[] = [];
  for (const share of rounds) {
    const storeStart = process.hrtime.bigint();
    for (const batch of share) {
      const result = await pageStore.storePage(db, {
        posts: batch.posts,
        authors: batch.authors,
        rejected: 0,
        seenAt,
        cursor: { queryKey, expectedVersion: version++, patch: batch.patch },
      });
      if (!result.committed) throw new Error('the bench cursor moved under it');
    }
    const storeS = seconds(storeStart);
    // The same rows the store holds: one per post (edit chain), per author (newest observation), per link.
    const posts = [...new Map(share.flatMap((b) => b.posts).map((p) => [p.editRootId, p])).values()];
    const authors = [...new Map(share.flatMap((b) => b.authors).map((a) => [a.id, a])).values()];
    await createCopyTables(client, [...new Set(posts.map((p) => p.createdAt.toISOString().slice(0, 7)))]);
    const copyStart = process.hrtime.bigint();
    await copyRows(client, posts, authors, seenAt);
    measured.push({ posts: posts.length, storeS, copyS: seconds(copyStart) });
  }
  return measured;
}

/**
 * `tagpulse bench ingest`: posts stored per second through the page store (one transaction
 * per page or batch: cursor, authors, posts, hashtag links, roll-up marks), per network, each
 * against COPY of the same rows into identical tables in the same database: the physical limit
 * of getting those rows into PostgreSQL. X pages from x-sim's search, Mastodon pages from an
 * instance's hashtag timeline, Bluesky batches from the Jetstream. Runs in a scratch database
 * that it drops afterwards.
 */
export async function benchIngest({
  databaseUrl,
  posts: wanted,
}: IngestBenchOptions): Promise<IngestBenchResult> {
  const name = `tagpulse_bench_ingest_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
  const url = withDatabase(databaseUrl, name);
  await adminQuery(databaseUrl, `create database ${name}`);
  const sim = await startSim({
    scenario: steadyEverywhere(),
    speed: 0,
    start: SIM_START,
    rateLimits: { search: UNLIMITED },
    usageCap: 1e12,
    port: 0,
  });
  const db = createDb({ url, max: 2, applicationName: 'tagpulse-bench-ingest' });
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const closers: (() => Promise<void>)[] = [];
  try {
    await migrateToLatest(db);
    const seenAt = new Date(SIM_START);
    const sources: { network: Network; read: () => Promise<Batch[][]> }[] = [
      { network: 'x', read: async () => roundsOf(await xBatches(sim, wanted, seenAt)) },
      { network: 'mastodon', read: async () => roundsOf(await mastodonBatches(sim, wanted, seenAt)) },
      {
        network: 'bluesky',
        read: async () => {
          const read = await blueskyPosts(sim, wanted);
          closers.push(read.close);
          const rounds = roundsOf(read.batches);
          await attachNewAuthors(rounds, read.serviceUrl, seenAt);
          return rounds;
        },
      },
    ];
    const rows: Record<string, Figure>[] = [];
    const figures: Record<string, Figure> = {};
    const client = await pool.connect();
    try {
      for (const { network, read } of sources) {
        const fetchStart = process.hrtime.bigint();
        const rounds = await read();
        const fetchS = seconds(fetchStart);
        const total = rounds.flat().reduce((n, b) => n + b.posts.length, 0);
        const measured = await measure(db, client, network, rounds, seenAt);
        rows.push(
          {
            network,
            step: 'fetch + map from the simulator',
            round: '-',
            posts: total,
            seconds: fetchS,
            'posts/s': total / fetchS,
          },
          ...measured.flatMap((r, i) => [
            {
              network,
              step: 'page store (upserts + cursor)',
              round: i + 1,
              posts: r.posts,
              seconds: r.storeS,
              'posts/s': r.posts / r.storeS,
            },
            {
              network,
              step: 'COPY same rows',
              round: i + 1,
              posts: r.posts,
              seconds: r.copyS,
              'posts/s': r.posts / r.copyS,
            },
          ]),
        );
        // The figures are the medians of the rounds; each round's store and COPY ran back to back
        // under the same load, so the ratio is the median of each round's ratio.
        const postsPerS = Math.round(median(measured.map((r) => r.posts / r.storeS)));
        const copyPerS = Math.round(median(measured.map((r) => r.posts / r.copyS)));
        const ratio = median(measured.map((r) => r.copyS / r.storeS));
        // X's figures keep their first names (posts_per_s, copy_per_s, ratio): scripts read them.
        if (network === 'x') Object.assign(figures, { posts_per_s: postsPerS, copy_per_s: copyPerS, ratio });
        figures[`${network}_posts_per_s`] = postsPerS;
        figures[`${network}_ratio`] = ratio;
      }
    } finally {
      client.release();
    }
    figures.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
    return { rows, figures };
  } finally {
    await pool.end();
    await db.destroy();
    for (const close of closers) await close();
    await sim.close();
    await adminQuery(databaseUrl, `drop database if exists ${name} with (force)`);
  }
}
