import { isSearchable, publicMetrics, type Version } from '../world/post.js';
import { versionsDescending } from '../world/scan.js';
import { type ApiContext, FIELD_PARAMS, readFields } from './context.js';
import { encodeNextToken, readCursor } from './next-token.js';
import { ParamReader } from './params.js';
import { pageJson } from './project.js';
import { type Reach, readBounds } from './time-bounds.js';

const SEARCH_PARAMS = [
  'query',
  'start_time',
  'end_time',
  'since_id',
  'until_id',
  'max_results',
  'next_token',
  'pagination_token',
  'sort_order',
  ...FIELD_PARAMS,
];

export interface ApiResult {
  /** The response body, serialised. */
  json: string;
  /** Posts in `data`, which count against a plan's monthly cap. */
  postsRead: number;
  /** Every post (`data`, `includes.tweets`) and user (`includes.users`) the body holds, for pay-per-use billing. */
  reads: { postIds: readonly string[]; userIds: readonly string[] };
}

/** What an answer without posts or users reads. */
export const NO_READS: ApiResult['reads'] = { postIds: [], userIds: [] };

/**
 * `GET /2/tweets/search/recent`: matching, searchable, current versions of
 * live posts, newest id first, `max_results` (10–100) per page, paged by `next_token`.
 */
export const searchRecent = (ctx: ApiContext, query: URLSearchParams, now: number): ApiResult =>
  search(ctx, query, now, 'recent');

/**
 * `GET /2/tweets/search/all`: the same over the whole archive (every date the
 * scenario covers), up to 500 posts a page, the last 30 days by default.
 */
export const searchAll = (ctx: ApiContext, query: URLSearchParams, now: number): ApiResult =>
  search(ctx, query, now, 'all');

function search(ctx: ApiContext, query: URLSearchParams, now: number, reach: Reach): ApiResult {
  const params = new ParamReader(query, SEARCH_PARAMS);
  const maxResults = params.int('max_results', 10, reach === 'recent' ? 100 : 500, 10);
  const sortOrder = params.oneOf('sort_order', ['recency', 'relevancy'], 'recency');
  const fields = readFields(params);
  const bounds = readBounds(params, now, reach);
  const matcher = ctx.matcher(params, reach);
  const { requestKey, cursor } = readCursor(params, `search-${reach}`, [
    'query',
    'start_time',
    'end_time',
    'since_id',
    'until_id',
    'sort_order',
  ]);
  let belowId = bounds.untilId;
  if (cursor !== undefined && (belowId === undefined || cursor < belowId)) belowId = cursor;

  const found: Version[] = [];
  for (const v of versionsDescending(ctx.world, { ...bounds, aboveId: bounds.sinceId, belowId })) {
    if (!isSearchable(v, now) || !matcher(v)) continue;
    found.push(v);
    if (found.length > maxResults) break;
  }
  const page = found.slice(0, maxResults);
  const newest = page[0];
  const oldest = page[page.length - 1];
  const meta: Record<string, unknown> =
    newest && oldest
      ? { newest_id: newest.id, oldest_id: oldest.id, result_count: page.length }
      : { result_count: 0 };
  if (oldest && found.length > maxResults) meta.next_token = encodeNextToken(requestKey, oldest.id);
  // Relevancy pages hold the same posts, most engaging first; meta still names the max and min id.
  const ordered =
    sortOrder === 'relevancy' ? [...page].sort((a, b) => engagement(b, now) - engagement(a, now)) : page;
  const { members, postIds, userIds } = pageJson(ordered, fields, now, ctx.userById);
  return {
    json: `{${members ? `${members},` : ''}"meta":${JSON.stringify(meta)}}`,
    postsRead: page.length,
    reads: { postIds, userIds },
  };
}

function engagement(v: Version, now: number): number {
  const m = publicMetrics(v, now);
  return m.like_count + m.retweet_count + m.reply_count + m.quote_count;
}
