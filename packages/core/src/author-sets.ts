/**
 * Sets of authors as stored per UTC hour: big-endian uint32 pairs of (dense
 * author number, followers), ascending by number. A period's unique authors
 * and potential reach are their union, exact.
 */

const PAIR = 8;

/** Encodes (author number, followers) pairs in the stored layout (sorted by number). */
export function encodeAuthorSet(authors: { no: number; followers: number }[]): Uint8Array {
  const sorted = [...authors].sort((a, b) => a.no - b.no);
  const bytes = new Uint8Array(sorted.length * PAIR);
  const view = new DataView(bytes.buffer);
  sorted.forEach(({ no, followers }, i) => {
    view.setUint32(i * PAIR, no);
    view.setUint32(i * PAIR + 4, Math.min(followers, 0x7fffffff));
  });
  return bytes;
}

/**
 * The distinct authors of the sets together and their followers summed once
 * each, an author's followers taken from the first set (in the order given)
 * that holds it: give the newest first, so each counts as last observed.
 */
export function unionAuthorSets(sets: Uint8Array[]): { unique_authors: number; potential_reach: number } {
  let max = -1;
  for (const set of sets) {
    if (set.byteLength % PAIR !== 0) throw new RangeError(`an author set of ${set.byteLength} bytes`);
    // Each set is ascending, so its last number is its largest: the bitmap is sized once without
    // reading every pair twice (at 10 M posts a week's sets hold 750 000 pairs per period).
    if (set.byteLength > 0)
      max = Math.max(
        max,
        new DataView(set.buffer, set.byteOffset, set.byteLength).getUint32(set.byteLength - PAIR),
      );
  }
  const seen = new Uint8Array(max + 1);
  let uniqueAuthors = 0;
  let reach = 0;
  for (const set of sets) {
    const view = new DataView(set.buffer, set.byteOffset, set.byteLength);
    for (let i = 0; i < set.byteLength; i += PAIR) {
      const no = view.getUint32(i);
      if (seen[no] === 1) continue;
      seen[no] = 1;
      uniqueAuthors += 1;
      reach += view.getUint32(i + 4);
    }
  }
  return { unique_authors: uniqueAuthors, potential_reach: reach };
}
