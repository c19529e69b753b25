import { createHash } from 'node:crypto';

export interface TrackedHashtag {
  key: string;
  display: string;
}

export interface QueryGroup {
  /** Stable for the same set of hashtags; names the cursor and the job scheduler. */
  queryKey: string;
  query: string;
  tagKeys: string[];
}

function render(tags: TrackedHashtag[]): string {
  return `(${tags.map((t) => `#${t.display}`).join(' OR ')})`;
}

/**
 * Packs the tracked hashtags into as few search queries as X's length limit
 * allows (`(#a OR #b OR #c)`), so one request serves several hashtags. Reposts
 * are kept: they count in the metrics. Hashtags are taken in key order, so the
 * same set always gives the same queries.
 */
export function groupQueries(hashtags: TrackedHashtag[], maxLength: number): QueryGroup[] {
  const sorted = [...hashtags].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const groups: TrackedHashtag[][] = [];
  let current: TrackedHashtag[] = [];
  for (const tag of sorted) {
    if (render([tag]).length > maxLength)
      throw new RangeError(`#${tag.display} alone exceeds ${maxLength} characters`);
    if (current.length > 0 && render([...current, tag]).length > maxLength) {
      groups.push(current);
      current = [];
    }
    current.push(tag);
  }
  if (current.length > 0) groups.push(current);
  return groups.map((tags) => {
    const tagKeys = tags.map((t) => t.key);
    const digest = createHash('sha256').update(tagKeys.join('\n')).digest('hex').slice(0, 16);
    return { queryKey: `q-${digest}`, query: render(tags), tagKeys };
  });
}

/**
 * Where a new query's cursor starts after the hashtags were regrouped: the
 * least advanced of its hashtags' best cursors, so no hashtag misses posts.
 * Null (a first poll, which backfills) when one of them was never polled.
 */
export function inheritedSinceId(
  tagKeys: string[],
  cursors: { tag_keys: string[]; since_id: string | null }[],
): string | null {
  let least: bigint | null = null;
  for (const key of tagKeys) {
    let best: bigint | null = null;
    for (const c of cursors) {
      if (c.since_id === null || !c.tag_keys.includes(key)) continue;
      const id = BigInt(c.since_id);
      if (best === null || id > best) best = id;
    }
    if (best === null) return null;
    if (least === null || best < least) least = best;
  }
  return least === null ? null : least.toString();
}
