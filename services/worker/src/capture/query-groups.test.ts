import { describe, expect, it } from 'vitest';
import { groupQueries, inheritedSinceId } from './query-groups.js';

const seed = [
  { key: 'virtualctweek', display: 'VirtualCTWeek' },
  { key: 'uncctexpo', display: 'UNCCTExpo' },
  { key: 'unitetocounterterrorism', display: 'UNiteToCounterTerrorism' },
];

describe('groupQueries', () => {
  it('puts hashtags that fit into one OR query, in key order', () => {
    const [group, ...rest] = groupQueries(seed, 512);
    expect(rest).toEqual([]);
    expect(group?.query).toBe('(#UNCCTExpo OR #UNiteToCounterTerrorism OR #VirtualCTWeek)');
    expect(group?.tagKeys).toEqual(['uncctexpo', 'unitetocounterterrorism', 'virtualctweek']);
    expect(group?.queryKey).toMatch(/^q-[0-9a-f]{16}$/);
  });

  it('splits when a query would exceed the limit, never past it', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({
      key: `tag${String(i).padStart(2, '0')}x`,
      display: `Tag${i}X`,
    }));
    const groups = groupQueries(many, 100);
    expect(groups.length).toBeGreaterThan(1);
    for (const g of groups) expect(g.query.length).toBeLessThanOrEqual(100);
    expect(groups.flatMap((g) => g.tagKeys)).toEqual(many.map((t) => t.key));
  });

  it('gives the same key for the same set, whatever the input order, and another for another set', () => {
    const a = groupQueries(seed, 512)[0]?.queryKey;
    expect(groupQueries([...seed].reverse(), 512)[0]?.queryKey).toBe(a);
    expect(groupQueries(seed.slice(1), 512)[0]?.queryKey).not.toBe(a);
  });

  it('refuses a hashtag that cannot fit any query', () => {
    expect(() => groupQueries([{ key: 'x'.repeat(20), display: 'x'.repeat(20) }], 20)).toThrow(RangeError);
  });
});

describe('inheritedSinceId', () => {
  const cursors = [
    { tag_keys: ['a', 'b'], since_id: '500' },
    { tag_keys: ['a'], since_id: '900' },
    { tag_keys: ['c'], since_id: null },
  ];

  it('starts a regrouped query at the least advanced of its hashtags’ best cursors', () => {
    expect(inheritedSinceId(['a', 'b'], cursors)).toBe('500');
    expect(inheritedSinceId(['a'], cursors)).toBe('900');
  });

  it('backfills when one hashtag was never polled', () => {
    expect(inheritedSinceId(['a', 'c'], cursors)).toBeNull();
    expect(inheritedSinceId(['a', 'new'], cursors)).toBeNull();
  });
});
