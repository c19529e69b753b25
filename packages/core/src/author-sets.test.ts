import { describe, expect, it } from 'vitest';
import { encodeAuthorSet, unionAuthorSets } from './author-sets.js';

describe('author sets', () => {
  it('count each author once, with the followers of the first set holding it', () => {
    const newest = encodeAuthorSet([
      { no: 7, followers: 70 },
      { no: 1, followers: 11 },
    ]);
    const older = encodeAuthorSet([
      { no: 1, followers: 10 },
      { no: 300_000, followers: 5 },
      { no: 7, followers: 69 },
    ]);
    expect(unionAuthorSets([newest, older])).toEqual({ unique_authors: 3, potential_reach: 70 + 11 + 5 });
    expect(unionAuthorSets([older, newest])).toEqual({ unique_authors: 3, potential_reach: 69 + 10 + 5 });
    // The largest number may be in any set: each is sized by its own last (largest) number.
    const again = encodeAuthorSet([{ no: 300_000, followers: 4 }]);
    expect(unionAuthorSets([newest, again, older])).toEqual({
      unique_authors: 3,
      potential_reach: 70 + 11 + 4,
    });
    expect(unionAuthorSets([])).toEqual({ unique_authors: 0, potential_reach: 0 });
    expect(unionAuthorSets([new Uint8Array(0)])).toEqual({ unique_authors: 0, potential_reach: 0 });
  });

  it('read the layout Postgres writes: big-endian uint32 pairs', () => {
    const bytes = Uint8Array.from([0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 42]);
    expect(unionAuthorSets([bytes])).toEqual({ unique_authors: 2, potential_reach: 42 + 65_536 });
    expect(
      encodeAuthorSet([
        { no: 2, followers: 65_536 },
        { no: 256, followers: 42 },
      ]),
    ).toEqual(Uint8Array.from([0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 42]));
    expect(() => unionAuthorSets([new Uint8Array(5)])).toThrow(RangeError);
  });
});
