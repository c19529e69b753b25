import { hashtagKey } from '@tagpulse/core';
import type { Database } from '@tagpulse/db';
import type { MastodonSim } from '@tagpulse/x-sim';
import { type Kysely, sql } from 'kysely';
import { waitFor } from './processes/index.js';

/** Federated copies arrive up to two minutes late in the scenarios; a cycle begun this long after an instant has seen them. */
const FEDERATION_MARGIN_MS = 3 * 60_000;

/** Waits until every Mastodon cursor has finished a cycle begun after `instant` (plus federation's delay). */
export async function waitForMastodonCycleAfter(
  db: Kysely<Database>,
  instant: Date,
  expected: number,
  timeoutMs?: number,
): Promise<void> {
  const after = instant.getTime() + FEDERATION_MARGIN_MS;
  await waitFor(
    `every Mastodon timeline read after ${new Date(after).toISOString()}`,
    async () => {
      const rows = await db
        .selectFrom('capture_cursors')
        .select(['cycle_newest_id', 'cycle_started_at'])
        .where('network', '=', 'mastodon')
        .where('status', '!=', 'retired')
        .execute();
      return (
        rows.length === expected &&
        rows.every(
          (c) =>
            c.cycle_newest_id === null &&
            c.cycle_started_at !== null &&
            c.cycle_started_at.getTime() >= after,
        )
      );
    },
    timeoutMs,
  );
}

export interface MastodonComparison {
  /** Statuses live on some instance that were not stored. */
  missing: string[];
  /** Stored posts that are no status of the hashtag. */
  extra: string[];
  /** Live statuses compared; statuses seen through two or more instances among them. */
  compared: number;
  federated: number;
  /** Stored posts deleted on Mastodon since (a deletion is marked only at the post's next look-up). */
  deletedSinceStored: number;
}

/**
 * The stored Mastodon posts of each hashtag created in [from, until) against
 * the simulator's truth at its now: every live status stored, once, whatever
 * instances showed it, and nothing that is not a status.
 */
export async function compareMastodon(
  db: Kysely<Database>,
  masto: MastodonSim,
  { hashtags, from, until, now }: { hashtags: readonly string[]; from: Date; until: Date; now: number },
): Promise<Record<string, MastodonComparison>> {
  const result: Record<string, MastodonComparison> = {};
  for (const tag of hashtags) {
    const truth = masto.truth({ hashtag: tag, startMs: from.getTime(), endMs: until.getTime(), now });
    const { rows } = await sql<{ id: string }>`
      select p.id from posts p join post_hashtags ph on ph.post_id = p.edit_root_id and ph.created_at = p.created_at
      where p.network = 'mastodon' and ph.tag_key = ${hashtagKey(tag)}
        and p.created_at >= ${from} and p.created_at < ${until}`.execute(db);
    const stored = new Set(rows.map((r) => r.id));
    const all = new Set(truth.map((t) => t.uri));
    const live = truth.filter((t) => !t.deleted_at);
    result[tag] = {
      missing: live.filter((t) => !stored.has(t.uri)).map((t) => t.uri),
      extra: [...stored].filter((id) => !all.has(id)),
      compared: live.length,
      federated: live.filter((t) => t.instances.length > 1).length,
      deletedSinceStored: truth.filter((t) => t.deleted_at && stored.has(t.uri)).length,
    };
  }
  return result;
}
