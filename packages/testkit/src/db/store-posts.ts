import {
  type Author,
  type Grain,
  type MetricValues,
  type Post,
  type StoredMetric,
  touchedBuckets,
} from '@tagpulse/core';
import { cursorsRepository, type Database, pageStore, rollupsRepository } from '@tagpulse/db';
import type { Kysely } from 'kysely';

const QUERY_KEY = 'test-fixtures';

/** Stores fixture posts and their authors through the real page store, as one page of a test query. */
export async function storePosts(db: Kysely<Database>, posts: Post[], authors: Author[]): Promise<void> {
  await cursorsRepository.ensureCursor(db, {
    queryKey: QUERY_KEY,
    query: '#test',
    tagKeys: [],
    sinceId: null,
  });
  const cursor = await cursorsRepository.getCursor(db, QUERY_KEY);
  const seenAt = new Date(Math.max(...posts.map((p) => p.observedAt.getTime())));
  const result = await pageStore.storePage(db, {
    posts,
    authors,
    rejected: 0,
    seenAt,
    cursor: { queryKey: QUERY_KEY, expectedVersion: cursor?.version ?? 0, patch: {} },
  });
  if (!result.committed) throw new Error('the fixture cursor moved under the test');
}

/** Stores fixture posts as {@link storePosts} does, then rolls up the buckets they touched, as the roll-up job does. */
export async function storeAndRollUp(db: Kysely<Database>, posts: Post[], authors: Author[]): Promise<void> {
  await storePosts(db, posts, authors);
  await rollupsRepository.recomputeTouched(db, touchedBuckets(posts));
}

/** The stored values of one bucket of a series (the bucket starting at `at`), or undefined when none is stored. */
export async function storedBucket(
  db: Kysely<Database>,
  {
    at,
    ...series
  }: { scope: string; grain: Grain; tz: string; at: string | Date; metrics?: readonly StoredMetric[] },
): Promise<Partial<MetricValues> | undefined> {
  const t = new Date(at);
  const values = await rollupsRepository.readSeries(db, {
    ...series,
    from: t,
    to: new Date(t.getTime() + 1),
  });
  return values.get(t.getTime());
}
