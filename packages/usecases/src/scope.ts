import { type HashtagRow, rollupsRepository } from '@tagpulse/db';

/** What a question is about: all tracked hashtags, one hashtag, or a set of several. */
export interface Scope {
  /** The roll-ups' series: a hashtag's key, or ALL_SCOPE (all tracked hashtags, or a set's own). */
  scope: string;
  tags: string[];
  /** How people name it: `all`, or the hashtag's display spelling (a set: theirs, space-separated). */
  label: string;
  labels: string[];
  /** One stored series (all, or one hashtag); a set of several is counted from its posts. */
  stored: boolean;
}

export type ScopeResult = { ok: true; scope: Scope } | { ok: false; missing: string };

/**
 * The scope `keys` name among `hashtags`: none is all the tracked ones; each key must be listed
 * (tracked now or before: its stored history stays).
 */
export function scopeOf(hashtags: readonly HashtagRow[], keys: readonly string[]): ScopeResult {
  if (keys.length === 0) {
    const tags = hashtags.filter((h) => h.active).map((h) => h.tag_key);
    return {
      ok: true,
      scope: { scope: rollupsRepository.ALL_SCOPE, tags, label: 'all', labels: ['all'], stored: true },
    };
  }
  const known: HashtagRow[] = [];
  for (const key of keys) {
    const row = hashtags.find((h) => h.tag_key === key);
    if (!row) return { ok: false, missing: key };
    known.push(row);
  }
  const tags = known.map((h) => h.tag_key);
  const labels = known.map((h) => h.display);
  const label = labels.join(' ');
  // A set's all-scope is "each post of these tags once": its own series, not stored.
  if (known.length > 1)
    return { ok: true, scope: { scope: rollupsRepository.ALL_SCOPE, tags, label, labels, stored: false } };
  return { ok: true, scope: { scope: tags[0] ?? '', tags, label, labels, stored: true } };
}
