import { randomUUID } from 'node:crypto';
import type { Author, Post } from '@tagpulse/core';
import { createDb, cursorsRepository, pageStore } from '@tagpulse/db';
import { migrateToLatest } from '@tagpulse/migrations';
import { adminQuery, withDatabase } from '@tagpulse/testkit/db';
import { createXApi, type SearchPage } from '@tagpulse/x-client';
import { startSim } from '@tagpulse/x-sim';
import pg from 'pg';
import { copyRows, createCopyTables } from './copy-baseline.js';
import type { Figure } from './report.js';

export interface IngestBenchOptions {
  databaseUrl: string;
  /** Posts to read from x-sim and store. */
  posts: number;
}

export interface IngestBenchResult {
  rows: Record<string, Figure>[];
  figures: Record<string, Figure>;
}

const QUERY = '(#OtherTag OR #SteadyTag)';
// Two days into the `steady` week: 60 posts a minute, so 172,800 posts are searchable.
const SIM_START = '2024-01-03T00:00:00Z';

/** Reads pages from x-sim newest first, going back with until_id as the poller does. */
async function readPages(simUrl: string, wanted: number, seenAt: Date): Promise<SearchPage[]> {
  const x = createXApi({ bearerToken: 'bench-token-0123456789abcdef', baseUrl: simUrl });
  const pages: SearchPage[] = [];
  let untilId: string | undefined;
  let count = 0;
  while (count < wanted) {
    const page = await x.searchPage({ query: QUERY, untilId, maxResults: 100 }, seenAt);
    pages.push(page);
    count += page.posts.length;
    if (!page.nextToken || !page.oldestId) break;
    untilId = page.oldestId;
  }
  return pages;
}

const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function seconds(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

/**
 * `tagpulse bench ingest`: posts stored per second through the page store (one
 * transaction per page: authors, posts, hashtag links, cursor), against COPY
 * of the same rows into identical tables in the same database: the physical
 * limit of getting those rows into PostgreSQL. Runs in a scratch database that
 * it drops afterwards.
 */
export async function benchIngest({
  databaseUrl,
  posts: wanted,
}: IngestBenchOptions): Promise<IngestBenchResult> {
  const name = `tagpulse_bench_ingest_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
  const url = withDatabase(databaseUrl, name);
  await adminQuery(databaseUrl, `create database ${name}`);
  const sim = await startSim({
    scenario: 'steady',
    speed: 0,
    start: SIM_START,
    rateLimits: { search: 1_000_000 },
    usageCap: 1e12,
    port: 0,
  });
  const db = createDb({ url, max: 2, applicationName: 'tagpulse-bench-ingest' });
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migrateToLatest(db);
    const seenAt = new Date(SIM_START);
    const fetchStart = process.hrtime.bigint();
    const pages = await readPages(sim.url, wanted, seenAt);
    const fetchS = seconds(fetchStart);
    const total = pages.reduce((n, p) => n + p.posts.length, 0);

    await cursorsRepository.ensureCursor(db, {
      queryKey: 'q-bench',
      query: QUERY,
      tagKeys: ['othertag', 'steadytag'],
      sinceId: null,
    });
    // Store and COPY take turns on the same rows, round after round, so a busy machine weighs on both
    // alike; the figures are the medians of the rounds, the ratio the median of each round's ratio.
    const client = await pool.connect();
    const rounds: { posts: number; storeS: number; copyS: number }[] = [];
    let version = 0;
    try {
      for (let r = 0; r < ROUNDS; r++) {
        const share = pages.filter((_, i) => i % ROUNDS === r);
        const storeStart = process.hrtime.bigint();
        for (const page of share) {
          const result = await pageStore.storePage(db, {
            posts: page.posts,
            authors: page.authors,
            rejected: page.rejected.length,
            seenAt,
            cursor: {
              queryKey: 'q-bench',
              expectedVersion: version++,
              patch: { cycle_until_id: page.oldestId ?? null },
            },
          });
          if (!result.committed) throw new Error('the bench cursor moved under it');
        }
        const storeS = seconds(storeStart);
        // The same rows the store holds: one per post, per author (newest observation), per link.
        const posts: Post[] = share.flatMap((p) => p.posts);
        const authors = [
          ...new Map<string, Author>(share.flatMap((p) => p.authors).map((a) => [a.id, a])).values(),
        ];
        await createCopyTables(client, [...new Set(posts.map((p) => p.createdAt.toISOString().slice(0, 7)))]);
        const copyStart = process.hrtime.bigint();
        await copyRows(client, posts, authors, seenAt);
        rounds.push({ posts: posts.length, storeS, copyS: seconds(copyStart) });
      }
    } finally {
      client.release();
    }

    const postsPerS = median(rounds.map((r) => r.posts / r.storeS));
    const copyPerS = median(rounds.map((r) => r.posts / r.copyS));
    // Each round's store and COPY ran back to back under the same load: compare them pairwise.
    const ratio = median(rounds.map((r) => r.copyS / r.storeS));
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    return {
      rows: [
        {
          step: 'fetch + map from x-sim',
          round: '-',
          posts: total,
          seconds: fetchS,
          'posts/s': total / fetchS,
        },
        ...rounds.flatMap((r, i) => [
          {
            step: 'page store (upserts + cursor)',
            round: i + 1,
            posts: r.posts,
            seconds: r.storeS,
            'posts/s': r.posts / r.storeS,
          },
          {
            step: 'COPY same rows',
            round: i + 1,
            posts: r.posts,
            seconds: r.copyS,
            'posts/s': r.posts / r.copyS,
          },
        ]),
      ],
      figures: {
        posts_per_s: Math.round(postsPerS),
        copy_per_s: Math.round(copyPerS),
        ratio,
        peak_rss_mb: Math.round(peakRssMb),
      },
    };
  } finally {
    await pool.end();
    await db.destroy();
    await sim.close();
    await adminQuery(databaseUrl, `drop database if exists ${name} with (force)`);
  }
}
