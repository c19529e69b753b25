import type { Author, Post } from '@tagpulse/core';
import { cursorsRepository, type Database, pageStore } from '@tagpulse/db';
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
