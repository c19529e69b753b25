import type { Database } from '@tagpulse/db';
import { compareWithTruth } from '@tagpulse/testkit/truth';
import type { Kysely } from 'kysely';

export interface PostCount {
  /** Posts X has with the hashtag, their edit chain begun before the cut-off. */
  expected: number;
  /** Of those, how many are stored. */
  stored: number;
  /** Existing on X, not stored (or stored at an older version). */
  lost: number;
  /** Posts stored more than once: their edit chain, their id or a hashtag link of theirs. */
  duplicated: number;
  /** Stored posts X never had with this hashtag. */
  extra: number;
}

/**
 * The fault bench's post figures: testkit's comparison with x-sim's ground truth over every post
 * whose chain began before `cutoff`, counted. A post deleted on X may or may not have been stored
 * before it went; both are right.
 */
export async function countPosts(
  db: Kysely<Database>,
  simUrl: string,
  hashtag: string,
  cutoff: Date,
): Promise<PostCount> {
  const c = await compareWithTruth(db, simUrl, hashtag, new Date(0), cutoff);
  const lost = c.missing.length + c.staleVersions.length;
  return {
    expected: c.compared,
    stored: c.compared - lost,
    lost,
    duplicated: c.duplicates.length,
    extra: c.extra.length,
  };
}
