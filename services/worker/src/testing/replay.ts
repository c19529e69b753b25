import { SEED_HASHTAGS } from '@tagpulse/core';
import { cursorsRepository, type Database } from '@tagpulse/db';
import { waitFor } from '@tagpulse/testkit/processes';
import { compareWithTruth, type TruthComparison } from '@tagpulse/testkit/truth';
import type { Sim } from '@tagpulse/x-sim';
import { type Kysely, sql } from 'kysely';

export const SCENARIO_START = new Date('2020-07-06T04:00:00Z');
/** Edits come within 30 minutes and search lags up to a minute: posts begun this long before are settled. */
export const SETTLED_MS = 32 * 60_000;

/** Environment for a worker process of a test: its own queue prefix, fast intervals, x-sim's URL. */
export function workerEnv(db: { url: string }, sim: Sim, prefix: string): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    QUEUE_PREFIX: prefix,
    X_API_BASE_URL: sim.url,
    X_CLOCK_URL: `${sim.url}/__sim/clock`,
    X_BEARER_TOKEN: 'test-bearer-token-0123456789',
    POLL_INTERVAL_MS: '300',
    POLL_OVERLAP_SECONDS: '180',
    HASHTAG_SYNC_MS: '1000',
    REFRESH_INTERVAL_MS: '1000',
    COVERAGE_INTERVAL_MS: '2000',
    ROLLUP_INTERVAL_MS: '300',
    SHUTDOWN_TIMEOUT_MS: '5000',
  };
}

/**
 * Waits until a poll cycle that began after `instant` (plus the search delay)
 * has ended: every post searchable by then is stored.
 */
export async function waitForCycleAfter(
  db: Kysely<Database>,
  queryKey: string,
  instant: Date,
): Promise<void> {
  const after = instant.getTime() + 2 * 60_000;
  await waitFor(`a poll cycle begun after ${new Date(after).toISOString()}`, async () => {
    const c = await cursorsRepository.getCursor(db, queryKey);
    return (
      c !== undefined &&
      c.cycle_until_id === null &&
      c.cycle_started_at !== null &&
      c.cycle_started_at.getTime() >= after
    );
  });
}

/** Stored posts against the truth for the three seed hashtags, for posts settled by `until`. */
export async function compareSeedHashtags(
  db: Kysely<Database>,
  sim: Sim,
  until: Date,
): Promise<Record<string, TruthComparison>> {
  const result: Record<string, TruthComparison> = {};
  for (const tag of SEED_HASHTAGS) {
    result[tag] = await compareWithTruth(
      db,
      sim.url,
      tag,
      SCENARIO_START,
      new Date(until.getTime() - SETTLED_MS),
    );
  }
  return result;
}

/** What a comparison must be: nothing missing, nothing extra, nothing stale or stored twice. */
export function exact(comparisons: Record<string, TruthComparison>) {
  return Object.fromEntries(
    Object.entries(comparisons).map(([tag, c]) => [
      tag,
      {
        missing: c.missing,
        extra: c.extra,
        staleVersions: c.staleVersions,
        duplicates: c.duplicates,
        covered: c.compared > 0,
      },
    ]),
  );
}

export const EXACT = Object.fromEntries(
  SEED_HASHTAGS.map((tag) => [
    tag,
    { missing: [], extra: [], staleVersions: [], duplicates: [], covered: true },
  ]),
);

/**
 * Waits until the workers' hourly roll-ups of each seed hashtag agree with the
 * posts stored for it, hour by hour, before `until`: every stored page, late
 * post and refresh has reached the series. Fails with the disagreeing hours.
 */
export async function waitForRollupsOfStoredPosts(db: Kysely<Database>, until: Date): Promise<void> {
  let disagreeing: unknown[] = [];
  await waitFor('hourly roll-ups equal to the stored posts', async () => {
    const { rows } = await sql<{ tag_key: string; hour: Date; stored: number; rolled: number | null }>`
      with stored as (
        select l.tag_key, date_trunc('hour', l.created_at, 'UTC') as hour, count(*)::int as stored
        from post_hashtags l
        join posts p on p.edit_root_id = l.post_id and p.created_at = l.created_at
        where p.deleted_at is null and l.created_at < ${until}
          and l.tag_key in (select tag_key from hashtags where active)
        group by 1, 2)
      select s.tag_key, s.hour, s.stored, r.posts as rolled
      from stored s
      left join rollups r on r.scope = s.tag_key and r.network = '*' and r.grain = '1h' and r.tz = 'UTC'
        and r.bucket_start = s.hour
      where r.posts is distinct from s.stored
      order by 2, 1`.execute(db);
    disagreeing = rows;
    return rows.length === 0;
  }).catch((err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify(disagreeing.slice(0, 5))}`);
  });
}

/** Waits until the sim's clock reaches an instant (its clock runs on its own). */
export async function waitForSimTime(now: () => number, instantMs: number): Promise<void> {
  await waitFor(`sim time ${new Date(instantMs).toISOString()}`, async () => now() >= instantMs, 120_000, 50);
}
