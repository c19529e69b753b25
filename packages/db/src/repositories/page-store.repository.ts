import type { Author, Post } from '@tagpulse/core';
import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import { advanceCursor, type CursorPatch } from './cursors.repository.js';
import { ensureMonthPartitions, linkHashtags, upsertAuthors, upsertPosts } from './posts.repository.js';

export interface PageToStore {
  posts: Post[];
  authors: Author[];
  /** Posts X sent that could not be mapped; counted on the cursor. */
  rejected: number;
  /** When the page was read. */
  seenAt: Date;
  cursor: { queryKey: string; expectedVersion: number; patch: CursorPatch };
}

export type StoreResult = { committed: true; posts: number } | { committed: false; reason: 'stale-cursor' };

class StaleCursor extends Error {}

/**
 * Stores one page and advances its query's cursor in one transaction: either
 * all of it is in, or none of it and the cursor stays where it was. When
 * another worker moved the cursor first, nothing is written.
 */
export async function storePage(db: Kysely<Database>, page: PageToStore): Promise<StoreResult> {
  await ensureMonthPartitions(
    db,
    page.posts.map((p) => p.createdAt),
  );
  const { queryKey, expectedVersion, patch } = page.cursor;
  try {
    const posts = await db.transaction().execute(async (trx) => {
      // The cursor first: its row lock queues a concurrent writer behind this one before any work is done.
      const moved = await advanceCursor(trx, queryKey, expectedVersion, patch, {
        stored: page.posts.length,
        rejected: page.rejected,
      });
      if (!moved) throw new StaleCursor();
      await upsertAuthors(trx, page.authors);
      const stored = await upsertPosts(trx, page.posts, page.seenAt);
      await linkHashtags(trx, page.posts);
      return stored;
    });
    return { committed: true, posts };
  } catch (err) {
    if (err instanceof StaleCursor) return { committed: false, reason: 'stale-cursor' };
    throw err;
  }
}
