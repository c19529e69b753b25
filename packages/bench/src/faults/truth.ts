import type { Database } from '@tagpulse/db';
import { compareBluesky } from '@tagpulse/testkit/bluesky-truth';
import { compareMastodon } from '@tagpulse/testkit/mastodon-truth';
import { compareWithTruth } from '@tagpulse/testkit/truth';
import type { BlueskySim, MastodonSim } from '@tagpulse/x-sim';
import type { Kysely } from 'kysely';

export interface PostCount {
  /** Posts X, the Mastodon instances and Bluesky have with the hashtag, their edit chain begun before the cut-off. */
  expected: number;
  /** Of those, the Mastodon statuses (one per `uri`, however many instances show it). */
  mastodon: number;
  /** Of those, the Bluesky posts (created since capture first read the Jetstream). */
  bluesky: number;
  /** Of those, how many are stored. */
  stored: number;
  /** Existing on X, not stored (or stored at an older version), or on Mastodon or Bluesky and not stored. */
  lost: number;
  /** Posts stored more than once: their edit chain, their id or a hashtag link of theirs. */
  duplicated: number;
  /** Stored posts X never had with this hashtag. */
  extra: number;
}

/**
 * The fault bench's post figures: testkit's comparisons with x-sim's and (when captured) the
 * Mastodon instances' and Bluesky's ground truth over every post whose chain began before `cutoff`,
 * counted together. A post deleted on X may or may not have been stored before it went; both are
 * right. Bluesky counts from the stream's first cursor (a first start reads from then on), as of its
 * cursor past the cut-off; the spike scenario deletes nothing, so its deletions are not judged here.
 */
export async function countPosts(
  db: Kysely<Database>,
  {
    simUrl,
    mastodon,
    bluesky,
    hashtag,
    cutoff,
    now,
  }: {
    simUrl: string;
    mastodon?: MastodonSim;
    bluesky?: { sim: BlueskySim; fromMs: number; cursorUs: number };
    hashtag: string;
    cutoff: Date;
    now: number;
  },
): Promise<PostCount> {
  const x = await compareWithTruth(db, simUrl, hashtag, new Date(0), cutoff);
  const m = mastodon
    ? (await compareMastodon(db, mastodon, { hashtags: [hashtag], from: new Date(0), until: cutoff, now }))[
        hashtag
      ]!
    : { missing: [], extra: [], compared: 0 };
  const b = bluesky
    ? (
        await compareBluesky(db, bluesky.sim, {
          hashtags: [hashtag],
          fromMs: bluesky.fromMs,
          toMs: cutoff.getTime(),
          cursor: bluesky.cursorUs,
        })
      )[hashtag]!
    : { missing: [], extra: [], compared: 0 };
  const lost = x.missing.length + x.staleVersions.length + m.missing.length + b.missing.length;
  const expected = x.compared + m.compared + b.compared;
  return {
    expected,
    mastodon: m.compared,
    bluesky: b.compared,
    stored: expected - lost,
    lost,
    // X's check of doubled ids and edit chains reads every network's posts.
    duplicated: x.duplicates.length,
    extra: x.extra.length + m.extra.length + b.extra.length,
  };
}
