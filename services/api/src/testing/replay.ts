import { hashtagKey, SEED_HASHTAGS, snowflakeTime, touchedBuckets } from '@tagpulse/core';
import {
  cursorsRepository,
  type Database,
  pageStore,
  refreshRepository,
  rollupsRepository,
} from '@tagpulse/db';
import { createXApi, LOOKUP_MAX_IDS, type XApi } from '@tagpulse/x-client';
import type { Sim, TruthPost } from '@tagpulse/x-sim';
import type { Kysely } from 'kysely';

/*
 * A day of x-sim captured with its clock frozen, through the real x-client, page store and
 * roll-ups (the worker's jobs, without the scheduling): what the replay tests compare with truth.
 */

export const QUERY = SEED_HASHTAGS.map((t) => `#${t}`).join(' OR ');

function xFor(sim: Sim): XApi {
  return createXApi({ bearerToken: 'replay-test-bearer-token-0123', baseUrl: sim.url });
}

/** Every page of [start, end) at `now`, stored, then the roll-ups they touched; returns the posts stored. */
export async function captureWindow(
  db: Kysely<Database>,
  sim: Sim,
  { start, end, now }: { start: Date; end: Date; now: Date },
): Promise<number> {
  const x = xFor(sim);
  await cursorsRepository.ensureCursor(db, {
    queryKey: 'replay',
    query: QUERY,
    tagKeys: SEED_HASHTAGS.map(hashtagKey),
    sinceId: null,
  });
  let nextToken: string | undefined;
  let stored = 0;
  do {
    const page = await x.searchPage({ query: QUERY, startTime: start, endTime: end, nextToken }, now);
    const cursor = await cursorsRepository.getCursor(db, 'replay');
    const result = await pageStore.storePage(db, {
      posts: page.posts,
      authors: page.authors,
      rejected: page.rejected.length,
      seenAt: now,
      cursor: { queryKey: 'replay', expectedVersion: cursor?.version ?? 0, patch: { last_poll_at: now } },
    });
    if (!result.committed) throw new Error('the cursor moved under the replay');
    stored += result.posts;
    await rollupsRepository.recomputeTouched(db, touchedBuckets(page.posts));
    nextToken = page.nextToken;
  } while (nextToken);
  return stored;
}

/**
 * Moves x-sim's clock to `now` and takes every engagement look-up due by then
 * (the refresh job's body), then the roll-ups they touched; returns the posts looked up.
 */
export async function refreshDue(db: Kysely<Database>, sim: Sim, now: Date): Promise<number> {
  const moved = await fetch(new URL('/__sim/clock', sim.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ now: now.toISOString() }),
  });
  if (!moved.ok) throw new Error(`clock: HTTP ${moved.status}`);
  const x = xFor(sim);
  let looked = 0;
  for (;;) {
    const due = await refreshRepository.duePosts(db, now, LOOKUP_MAX_IDS);
    if (due.length === 0) return looked;
    const result = await x.lookup(
      due.map((d) => d.id),
      now,
    );
    const deletedIds = result.missing.filter((m) => m.reason === 'deleted').map((m) => m.id);
    await refreshRepository.applyRefresh(db, { due, found: result.posts, deletedIds, now });
    await rollupsRepository.recomputeTouched(
      db,
      touchedBuckets(due.map((d) => ({ createdAt: d.createdAt }))),
    );
    looked += due.length;
  }
}

export type TruthPostAt = TruthPost & { at: number };

/** x-sim's live posts of a hashtag on its index in use whose edit chain began in [from, to), by chain. */
export async function truthByChain(
  sim: Sim,
  tag: string,
  { from, to }: { from: Date; to: Date },
): Promise<Map<string, TruthPostAt>> {
  const url = new URL('/__sim/truth/posts', sim.url);
  url.searchParams.set('hashtag', tag);
  url.searchParams.set('start_time', new Date(from.getTime() - 3_600_000).toISOString());
  const { data } = (await (await fetch(url)).json()) as { data: TruthPost[] };
  const posts = new Map<string, TruthPostAt>();
  for (const p of data) {
    const root = p.edit_history_tweet_ids[0] ?? p.id;
    const at = snowflakeTime(root);
    if (!p.deleted_at && at >= from.getTime() && at < to.getTime()) posts.set(root, { ...p, at });
  }
  return posts;
}

/** Per fixed-length bucket of [from, to) in UTC, the sum of `weight` of the posts in it. */
export function expectedSums<P extends { at: number }>(
  posts: Iterable<P>,
  { from, to, stepMs }: { from: Date; to: Date; stepMs: number },
  weight: (p: P) => number = () => 1,
): number[] {
  const sums = new Array<number>(Math.ceil((to.getTime() - from.getTime()) / stepMs)).fill(0);
  for (const p of posts) {
    const i = Math.floor((p.at - from.getTime()) / stepMs);
    sums[i] = (sums[i] ?? 0) + weight(p);
  }
  return sums;
}
