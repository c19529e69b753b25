import { isSearchable } from '../world/post.js';
import { versionsDescending } from '../world/scan.js';
import { bucketIndex, bucketsFor, GRANULARITIES } from './buckets.js';
import type { ApiContext } from './context.js';
import { ParamReader } from './params.js';
import { type ApiResult, NO_READS } from './search.js';
import { readBounds } from './time-bounds.js';

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

/**
 * `GET /2/tweets/counts/recent`: how many posts search would return, per
 * minute, hour (default) or day bucket, ascending, with the total. Recent
 * counts are never paginated.
 */
export function countsRecent(ctx: ApiContext, query: URLSearchParams, now: number): ApiResult {
  const params = new ParamReader(query, COUNT_PARAMS);
  const granularity = params.oneOf('granularity', GRANULARITIES, 'hour');
  params.list('search_count.fields', ['end', 'start', 'tweet_count'] as const);
  const bounds = readBounds(params, now);
  const matcher = ctx.matcher(params);
  const buckets = bucketsFor(bounds.startMs, bounds.endMs, granularity);
  const counts = new Array<number>(buckets.length).fill(0);
  const range = { ...bounds, aboveId: bounds.sinceId, belowId: bounds.untilId };
  for (const v of versionsDescending(ctx.world, range)) {
    if (!isSearchable(v, now) || !matcher(v)) continue;
    const i = bucketIndex(v.createdMs, bounds.startMs, granularity);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  const data = buckets.map((b, i) => ({
    end: new Date(b.end).toISOString(),
    start: new Date(b.start).toISOString(),
    tweet_count: counts[i] ?? 0,
  }));
  const total = counts.reduce((sum, n) => sum + n, 0);
  return {
    json: JSON.stringify({ data, meta: { total_tweet_count: total } }),
    postsRead: 0,
    reads: NO_READS,
  };
}
