import { parseHashtag } from './hashtag.js';

/** `search/all` returns at most 500 posts a page (X's docs, x-sim). */
export const ARCHIVE_PAGE_SIZE = 500;
/** `search/all` allows one request per second (X time), for every access that has it. */
export const ARCHIVE_REQUEST_MS = 1_000;
/** X's archive begins with its first post (a `start_time` before this is X's 400). */
export const ARCHIVE_START = new Date('2006-03-21T00:00:00Z');

export interface BackfillSpec {
  /** The search: the hashtags OR'd, as live capture asks. */
  query: string;
  tagKeys: string[];
  from: Date;
  to: Date;
  maxUsd: number | null;
  estimateOnly: boolean;
}

export type BackfillSpecParse =
  | { ok: true; spec: BackfillSpec }
  | { ok: false; param: string; reason: string };

/**
 * Checks a back-fill request as the API and CLI take it: hashtags (with or without '#'), a span
 * of ISO 8601 instants with their offset inside X's archive, an optional spending cap in USD.
 */
export function parseBackfillSpec(input: {
  hashtags: string[];
  from: string;
  to: string;
  maxUsd?: number | undefined;
  estimateOnly?: boolean | undefined;
}): BackfillSpecParse {
  const fail = (param: string, reason: string): BackfillSpecParse => ({ ok: false, param, reason });
  if (input.hashtags.length === 0) return fail('hashtags', 'at least one hashtag');
  const tags = new Map<string, string>();
  for (const raw of input.hashtags) {
    const parsed = parseHashtag(raw);
    if (!parsed.ok) return fail('hashtags', `${JSON.stringify(raw)}: ${parsed.reason}`);
    tags.set(parsed.key, parsed.display);
  }
  const instant = (param: string, value: string): Date | BackfillSpecParse => {
    const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value)
      ? Date.parse(value)
      : NaN;
    return Number.isNaN(ms)
      ? fail(param, 'expected an ISO 8601 instant with its offset, such as 2020-07-06T00:00:00Z')
      : new Date(ms);
  };
  const from = instant('from', input.from);
  if (!(from instanceof Date)) return from;
  const to = instant('to', input.to);
  if (!(to instanceof Date)) return to;
  if (from < ARCHIVE_START) return fail('from', `X's archive begins ${ARCHIVE_START.toISOString()}`);
  if (to <= from) return fail('to', 'must be after from');
  if (input.maxUsd !== undefined && !(Number.isFinite(input.maxUsd) && input.maxUsd >= 0)) {
    return fail('max_usd', 'expected an amount in USD, 0 or more');
  }
  const keys = [...tags.keys()].sort();
  return {
    ok: true,
    spec: {
      query: `(${keys.map((k) => `#${tags.get(k)}`).join(' OR ')})`,
      tagKeys: keys,
      from,
      to,
      maxUsd: input.maxUsd ?? null,
      estimateOnly: input.estimateOnly ?? false,
    },
  };
}

/** Where a back-fill stands, for a progress bar: posts done of estimated, and X time left at the archive's rate. */
export function backfillProgress(b: {
  status: string;
  estimate: { posts: number; requests: number } | null;
  countsRequests: number;
  pages: number;
  postsStored: number;
}): { postsDone: number; postsEstimated: number | null; fraction: number | null; etaSeconds: number | null } {
  if (!b.estimate)
    return { postsDone: b.postsStored, postsEstimated: null, fraction: null, etaSeconds: null };
  const done = b.status === 'done';
  const pagesLeft = done ? 0 : Math.max(0, b.estimate.requests - b.countsRequests - b.pages);
  const fraction = done ? 1 : b.estimate.posts === 0 ? 0 : Math.min(1, b.postsStored / b.estimate.posts);
  return {
    postsDone: b.postsStored,
    postsEstimated: b.estimate.posts,
    fraction: Math.round(fraction * 1e4) / 1e4,
    etaSeconds:
      b.status === 'running' ? Math.ceil((pagesLeft * ARCHIVE_REQUEST_MS) / 1_000) : done ? 0 : null,
  };
}
