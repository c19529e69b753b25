import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import type { Sim } from '@tagpulse/x-sim';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryGroup } from '../capture/query-groups.js';
import { frozenCtWeek, handlerDeps, recordingCtx, seedHashtags } from '../testing/harness.js';
import { measureCoverage } from './measure-coverage.job.js';
import { pollQuery } from './poll-query.job.js';
import { refreshEngagement } from './refresh-engagement.job.js';

let t: TestDatabase;
let sim: Sim;
let group: QueryGroup;

beforeAll(async () => {
  t = await createTestDatabase();
  group = await seedHashtags(t.db);
  sim = await frozenCtWeek('2020-07-06T18:05:00Z');
  await pollQuery({ queryKey: group.queryKey }, recordingCtx(handlerDeps(t.db, sim)));
});
afterAll(async () => {
  await sim?.close();
  await t?.drop();
});

interface TruthPost {
  id: string;
  edit_history_tweet_ids: string[];
  deleted_at?: string;
}

async function deletedOnX(): Promise<Set<string>> {
  const deleted = new Set<string>();
  for (const tag of group.tagKeys) {
    const res = await fetch(`${sim.url}/__sim/truth/posts?hashtag=${tag}`);
    const { data } = (await res.json()) as { data: TruthPost[] };
    for (const p of data) if (p.deleted_at) deleted.add(p.edit_history_tweet_ids[0] ?? p.id);
  }
  return deleted;
}

describe('coverage', () => {
  it('stores, per hashtag and hour, what capture holds against X’s own count', async () => {
    await measureCoverage({}, recordingCtx(handlerDeps(t.db, sim)));
    const rows = await t.db
      .selectFrom('capture_coverage')
      .selectAll()
      .orderBy('tag_key')
      .orderBy('hour_start')
      .execute();
    // The 24 whole hours before 18:00, for each of the three hashtags.
    expect(rows).toHaveLength(72);
    for (const tag of group.tagKeys) {
      const res = await fetch(
        `${sim.url}/__sim/truth/counts?hashtag=${tag}&start_time=2020-07-05T18:00:00Z&end_time=2020-07-06T18:00:00Z`,
      );
      const { data } = (await res.json()) as { data: { start: string; post_count: number }[] };
      const mine = rows.filter((r) => r.tag_key === tag);
      expect(mine.map((r) => [r.hour_start.toISOString(), r.x_count])).toEqual(
        data.map((b) => [b.start, b.post_count]),
      );
    }
    const { rows: stored } = await sql<{ tag_key: string; hour: Date; n: number }>`
      select ph.tag_key, date_trunc('hour', ph.created_at) as hour, count(*)::int as n
      from post_hashtags ph join posts p on p.edit_root_id = ph.post_id and p.created_at = ph.created_at
      where p.deleted_at is null and ph.tag_key = any(${group.tagKeys}) group by 1, 2`.execute(t.db);
    for (const r of rows) {
      const n =
        stored.find((s) => s.tag_key === r.tag_key && s.hour.getTime() === r.hour_start.getTime())?.n ?? 0;
      expect(r.captured).toBe(n);
      expect(r.ratio).toBe(r.x_count === 0 ? null : n / r.x_count);
    }
    // The day's posts are all there: capture holds at least what X counts in every hour.
    expect(rows.filter((r) => r.x_count > 0).every((r) => r.captured >= r.x_count)).toBe(true);
  });
});

describe('engagement refresh', () => {
  it('looks up due posts in batches of 100, takes the newer metrics and marks deleted posts', async () => {
    const before = await t.db.selectFrom('posts').select(['edit_root_id', 'impression_count']).execute();
    sim.clock.set(Date.parse('2020-07-07T20:00:00Z'));
    const deps = handlerDeps(t.db, sim);
    await refreshEngagement(
      {},
      recordingCtx({ ...deps, settings: { ...deps.settings, refreshBatchesPerRun: 100 } }),
    );
    const now = new Date(sim.clock.now());
    const after = await t.db
      .selectFrom('posts')
      .select(['edit_root_id', 'impression_count', 'deleted_at', 'refresh_due_at', 'refresh_stage'])
      .execute();
    expect(after).toHaveLength(before.length);
    // Nothing is left due, and every post moved past its +1 h (and, for the oldest, +24 h) reading.
    expect(after.filter((p) => p.refresh_due_at !== null && p.refresh_due_at <= now)).toEqual([]);
    expect(after.filter((p) => p.deleted_at === null).every((p) => p.refresh_stage >= 1)).toBe(true);
    const grew = after.filter((p) => {
      const was = before.find((b) => b.edit_root_id === p.edit_root_id)?.impression_count ?? 0;
      return (p.impression_count ?? 0) > was;
    });
    expect(grew.length).toBeGreaterThan(after.length / 2);
    // Deleted on X: marked, never dropped; and only those.
    const deleted = await deletedOnX();
    const marked = after.filter((p) => p.deleted_at !== null).map((p) => p.edit_root_id);
    expect(marked.length).toBeGreaterThan(0);
    expect(marked.every((id) => deleted.has(id))).toBe(true);
  });
});
