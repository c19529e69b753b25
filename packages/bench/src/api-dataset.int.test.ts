import { hashtagsRepository, rollupsRepository } from '@tagpulse/db';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, TRACKED } from './api-dataset.js';

// The bench's bulk roll-ups (every bucket of the history, chunks in parallel) must store what the
// roll-up job stores when it is told of every post: the same metrics, top posts and author sets.

let testDb: TestDatabase;
/** The 5-minute buckets of every post loaded, deleted ones included: what the roll-up job was told. */
let touched: Date[];
beforeAll(async () => {
  testDb = await createTestDatabase();
  for (const key of TRACKED) await hashtagsRepository.addHashtag(testDb.db, { key, display: key });
  const pool = new pg.Pool({ connectionString: testDb.url, max: 2 });
  try {
    // A post every 65 s over three days (Saturday to Monday: two weeks), so every 5-minute bucket
    // of the history has posts, and the roll-up job, told of each, rolls up every bucket too.
    await loadDataset(
      pool,
      { posts: 4_000, authors: 600, start: new Date('2026-08-01T00:00:00Z'), days: 3 },
      2,
    );
  } finally {
    await pool.end();
  }
  const buckets = await sql<{ start: Date }>`
    select distinct date_bin('5 minutes', created_at, timestamptz '2000-01-01T00:00:00Z') as start
    from posts`.execute(testDb.db);
  touched = buckets.rows.map((r) => r.start);
  // A day without reposts follows the newest definitions: a week then mixes both.
  const day = sql`created_at >= '2026-08-02T00:00:00Z' and created_at < '2026-08-03T00:00:00Z'`;
  await sql`delete from post_hashtags where (post_id, created_at) in
    (select edit_root_id, created_at from posts where kind = 'repost' and ${day})`.execute(testDb.db);
  await sql`delete from posts where kind = 'repost' and ${day}`.execute(testDb.db);
});
afterAll(async () => {
  await testDb?.drop();
});

/** Every stored roll-up row, top post and author set (authors by id: their numbers depend on order). */
async function stored() {
  const { db } = testDb;
  const rollups = await sql<Record<string, unknown>>`
    select scope, network, grain, tz, bucket_start, posts, originals, replies, quotes, reposts,
      unique_authors, potential_reach, impressions, engagements, definitions_version
    from rollups order by scope, network, grain, tz, bucket_start`.execute(db);
  const top = await sql<Record<string, unknown>>`
    select scope, network, ranking, bucket_start, post_id, created_at, value
    from rollup_top_posts order by scope, network, ranking, bucket_start, post_id`.execute(db);
  const numbers = await sql<{ author_no: number; author_id: string }>`
    select author_no, author_id from author_numbers`.execute(db);
  const idOf = new Map(numbers.rows.map((r) => [r.author_no, r.author_id]));
  const byId = <T extends { authors: Buffer }>({ authors, ...key }: T) => {
    const pairs: string[] = [];
    for (let i = 0; i < authors.byteLength; i += 8)
      pairs.push(`${idOf.get(authors.readUInt32BE(i))}:${authors.readUInt32BE(i + 4)}`);
    return { ...key, authors: pairs.sort() };
  };
  const sets = await sql<{ scope: string; network: string; bucket_start: Date; authors: Buffer }>`
    select scope, network, bucket_start, authors from rollup_hour_authors
    order by scope, network, bucket_start`.execute(db);
  // A day's stamp is its hours' computed_at: the same hours, computed at another time.
  const days = await sql<{ scope: string; network: string; day_start: Date; hours: number; authors: Buffer }>`
    select scope, network, day_start, hours, authors from rollup_day_authors
    order by scope, network, day_start`.execute(db);
  return {
    rollups: rollups.rows,
    top: top.rows,
    authorSets: sets.rows.map(byId),
    daySets: days.rows.map(byId),
  };
}

describe('the bench data set’s bulk roll-ups', () => {
  it('equal what the roll-up job stores for the same posts', async () => {
    const { db } = testDb;
    await rollupsRepository.recomputeTouched(db, touched);
    const byJob = await stored();
    await sql`truncate rollups, rollup_top_posts, rollup_hour_authors, rollup_day_authors, author_numbers`.execute(
      db,
    );

    await rollupsRepository.backfill(db, { zones: ['UTC'], utc: true, parallel: 3 });
    const bulk = await stored();

    // Every series and its definitions: 5-minute, hour, day and week buckets, both versions.
    const grains = new Set(byJob.rollups.map((r) => `${r.grain} v${r.definitions_version}`));
    expect([...grains].sort()).toEqual(['1d v1', '1d v2', '1h v1', '1h v2', '1w v2', '5m v1', '5m v2']);
    expect(byJob.top.length).toBeGreaterThan(0);
    expect(byJob.authorSets.some((s) => s.authors.length > 1)).toBe(true);
    expect(bulk.rollups).toEqual(byJob.rollups);
    expect(bulk.top).toEqual(byJob.top);
    expect(bulk.authorSets).toEqual(byJob.authorSets);
    // Each of the three finished days, in every scope, from all its hours.
    const allNetworks = byJob.daySets.filter((s) => s.network === '*');
    expect(new Set(allNetworks.map((s) => s.day_start.toISOString())).size).toBe(3);
    expect(allNetworks.every((s) => s.hours === 24 && s.authors.length > 1)).toBe(true);
    expect(bulk.daySets).toEqual(byJob.daySets);
  });
});
