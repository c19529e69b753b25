import { isSearchable } from '../world/post.js';
import { versionsDescending } from '../world/scan.js';
import { bucketIndex, bucketsFor, GRANULARITIES } from './buckets.js';
import type { ApiContext } from './context.js';
import { encodeNextToken, readCursor } from './next-token.js';
import { ParamReader } from './params.js';
import { type ApiResult, NO_READS } from './search.js';
import { type Bounds, type Reach, readBounds } from './time-bounds.js';

const COUNT_PARAMS = [
  'query',
  'start_time',
  'end_time',
  'since_id',
  'until_id',
  'next_token',
  'pagination_token',
  'granularity',
  'search_count.fields',
];
/** Full-archive counts answer 31 days per page, whatever the granularity (counts/introduction.mdx). */
const ARCHIVE_PAGE_MS = 31 * 24 * 3_600_000;

/**
 * `GET /2/tweets/counts/recent`: how many posts search would return, per
 * minute, hour (default) or day bucket, ascending, with the total. Recent
 * counts are never paginated.
 */
export const countsRecent = (ctx: ApiContext, query: URLSearchParams, now: number): ApiResult =>
  counts(ctx, query, now, 'recent');

/**
 * `GET /2/tweets/counts/all`: the same over the whole archive (30 days by
 * default), 31 days per page: the newest 31 days of the range first, then
 * `next_token` for the 31 days before them.
 */
export const countsAll = (ctx: ApiContext, query: URLSearchParams, now: number): ApiResult =>
  counts(ctx, query, now, 'all');

function counts(ctx: ApiContext, query: URLSearchParams, now: number, reach: Reach): ApiResult {
  const params = new ParamReader(query, COUNT_PARAMS);
  const granularity = params.oneOf('granularity', GRANULARITIES, 'hour');
  params.list('search_count.fields', ['end', 'start', 'tweet_count'] as const);
  const bounds = readBounds(params, now, reach);
  const matcher = ctx.matcher(params, reach);
  const page = reach === 'recent' ? bounds : archivePage(params, bounds);
  const buckets = bucketsFor(page.startMs, page.endMs, granularity);
  const tally = new Array<number>(buckets.length).fill(0);
  const range = { ...page, aboveId: bounds.sinceId, belowId: bounds.untilId };
  for (const v of versionsDescending(ctx.world, range)) {
    if (!isSearchable(v, now) || !matcher(v)) continue;
    const i = bucketIndex(v.createdMs, page.startMs, granularity);
    tally[i] = (tally[i] ?? 0) + 1;
  }
  const data = buckets.map((b, i) => ({
    end: new Date(b.end).toISOString(),
    start: new Date(b.start).toISOString(),
    tweet_count: tally[i] ?? 0,
  }));
  const meta: Record<string, unknown> = { total_tweet_count: tally.reduce((sum, n) => sum + n, 0) };
  if ('nextToken' in page && page.nextToken) meta.next_token = page.nextToken;
  return { json: JSON.stringify({ data, meta }), postsRead: 0, reads: NO_READS };
}

/** The 31 days of the range this request's page covers, and the token of the page before it. */
function archivePage(params: ParamReader, bounds: Bounds) {
  const { requestKey, cursor } = readCursor(params, 'counts-all', [
    'query',
    'start_time',
    'end_time',
    'since_id',
    'until_id',
    'granularity',
  ]);
  // A page never reaches past the range's end, however the clock moved since the token.
  const endMs = cursor === undefined ? bounds.endMs : Math.min(Number(cursor), bounds.endMs);
  const startMs = Math.max(bounds.startMs, endMs - ARCHIVE_PAGE_MS);
  const nextToken = startMs > bounds.startMs ? encodeNextToken(requestKey, String(startMs)) : undefined;
  return { startMs, endMs, nextToken };
}
