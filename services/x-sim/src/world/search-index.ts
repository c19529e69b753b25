import type { PostKind } from '@tagpulse/core';

/**
 * Which search index answers search and counts: `2026`, X's index since
 * 2026-05-04, which no longer returns reposts in keyword search or counts,
 * for posts of any date (xdevplatform/docs `changelog.mdx`, "Search endpoints
 * migrating to new search index"); `legacy`, the index before it, which did.
 * The filtered stream was not changed; x-sim serves no stream.
 */
export type SearchIndex = '2026' | 'legacy';
export const SEARCH_INDEXES: readonly SearchIndex[] = ['2026', 'legacy'];

/** Whether a search on that index can find a post of this kind. */
export function inIndex(kind: PostKind, index: SearchIndex): boolean {
  return index === 'legacy' || kind !== 'repost';
}

/** The indexes a search can find a post of this kind in. */
export function indexesOf(kind: PostKind): SearchIndex[] {
  return SEARCH_INDEXES.filter((index) => inIndex(kind, index));
}
