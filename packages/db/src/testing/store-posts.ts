import type { Author, Post } from '@tagpulse/core';
import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import { ensureCursor, getCursor } from '../repositories/cursors.repository.js';
import { storePage } from '../repositories/page-store.repository.js';

const QUERY_KEY = 'test-fixtures';

/** Stores fixture posts and their authors through the real page store, as one page of a test query. */
export async function storePosts(db: Kysely<Database>, posts: Post[], authors: Author[]): Promise<void> {
  await ensureCursor(db, { queryKey: QUERY_KEY, query: '#test', tagKeys: [], sinceId: null });
  const cursor = await getCursor(db, QUERY_KEY);
  const seenAt = new Date(Math.max(...posts.map((p) => p.observedAt.getTime())));
  const result = await storePage(db, {
    posts,
    authors,
    rejected: 0,
    seenAt,
    cursor: { queryKey: QUERY_KEY, expectedVersion: cursor?.version ?? 0, patch: {} },
  });
  if (!result.committed) throw new Error('the fixture cursor moved under the test');
}
