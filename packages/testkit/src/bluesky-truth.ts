import { hashtagKey } from '@tagpulse/core';
import type { Database } from '@tagpulse/db';
import type { BlueskySim, BlueskyTruthPost } from '@tagpulse/x-sim';
import type { Kysely } from 'kysely';
import { waitFor } from './processes/index.js';

/** The Jetstream cursor (Bluesky's one cursor): the `time_us` of the last event stored, or undefined before the first. */
export async function blueskyCursorUs(db: Kysely<Database>): Promise<number | undefined> {
  const c = await db
    .selectFrom('capture_cursors')
    .select('since_id')
    .where('network', '=', 'bluesky')
    .executeTakeFirst();
  return c?.since_id ? Number(c.since_id) : undefined;
}

/** Waits until the Jetstream cursor is past an instant; returns the cursor (µs). */
export async function waitForBlueskyCursorPast(
  db: Kysely<Database>,
  instantMs: number,
  timeoutMs = 120_000,
): Promise<number> {
  let us = 0;
  await waitFor(
    `the Jetstream cursor past ${new Date(instantMs).toISOString()}`,
    async () => {
      us = (await blueskyCursorUs(db)) ?? 0;
      return us > instantMs * 1_000;
    },
    timeoutMs,
  );
  return us;
}

export interface BlueskyComparison {
  missing: string[];
  extra: string[];
  /** Stored live, deleted on Bluesky (before the cursor), or stored deleted and live there. */
  deletionWrong: string[];
  compared: number;
  deleted: number;
}

/**
 * Stored Bluesky posts of each hashtag created in [fromMs, toMs) against the
 * simulator's truth as of the cursor (what the stream has delivered), leaving
 * out what `excused` says capture could not see.
 */
export async function compareBluesky(
  db: Kysely<Database>,
  b: Pick<BlueskySim, 'truth'>,
  {
    hashtags,
    fromMs,
    toMs,
    cursor,
    excused = () => false,
  }: {
    hashtags: readonly string[];
    fromMs: number;
    toMs: number;
    cursor: number;
    excused?: (post: BlueskyTruthPost) => boolean;
  },
): Promise<Record<string, BlueskyComparison>> {
  // The stream has delivered every deletion before the cursor's millisecond; one in that millisecond
  // (several events can share it) may or may not have come yet, so its stored state is not judged.
  const now = Math.floor(cursor / 1_000);
  const undecided = (p: BlueskyTruthPost) => p.deleted_at !== undefined && Date.parse(p.deleted_at) === now;
  const out: Record<string, BlueskyComparison> = {};
  for (const tag of hashtags) {
    const all = b.truth({ hashtag: tag, startMs: fromMs, endMs: toMs, now });
    const truth = all.filter((p) => !excused(p));
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
    const known = new Set(all.map((p) => p.uri));
    out[tag] = {
      missing: truth.filter((p) => !stored.has(p.uri)).map((p) => p.uri),
      extra: [...stored.keys()].filter((id) => !known.has(id)),
      deletionWrong: truth
        .filter(
          (p) =>
            stored.has(p.uri) &&
            !undecided(p) &&
            (stored.get(p.uri) !== null) !== (p.deleted_at !== undefined),
        )
        .map((p) => p.uri),
      compared: truth.length,
      deleted: truth.filter((p) => p.deleted_at !== undefined).length,
    };
  }
  return out;
}
