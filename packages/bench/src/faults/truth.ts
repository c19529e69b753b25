import type { Database } from '@tagpulse/db';
import { compareMastodon } from '@tagpulse/testkit/mastodon-truth';
import { compareWithTruth } from '@tagpulse/testkit/truth';
import type { MastodonSim } from '@tagpulse/x-sim';
import type { Kysely } from 'kysely';

export interface PostCount {
  /** Posts X and the Mastodon instances have with the hashtag, their edit chain begun before the cut-off. */
  expected: number;
  /** Of those, the Mastodon statuses (one per `uri`, however many instances show it). */
  mastodon: number;
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
 * The fault bench's post figures: testkit's comparisons with x-sim's and (when captured) the
 * Mastodon instances' ground truth over every post whose chain began before `cutoff`, counted together. A post deleted
 * on X may or may not have been stored before it went; both are right.
 */
export async function countPosts(
  db: Kysely<Database>,
  {
    simUrl,
    mastodon,
    hashtag,
    cutoff,
    now,
  }: { simUrl: string; mastodon?: MastodonSim; hashtag: string; cutoff: Date; now: number },
): Promise<PostCount> {
  const x = await compareWithTruth(db, simUrl, hashtag, new Date(0), cutoff);
  const m = mastodon
    ? (await compareMastodon(db, mastodon, { hashtags: [hashtag], from: new Date(0), until: cutoff, now }))[
        hashtag
      ]!
    : { missing: [], extra: [], compared: 0 };
  const lost = x.missing.length + x.staleVersions.length + m.missing.length;
  const expected = x.compared + m.compared;
  return {
    expected,
    mastodon: m.compared,
    stored: expected - lost,
    lost,
    duplicated: x.duplicates.length,
    extra: x.extra.length + m.extra.length,
  };
}
