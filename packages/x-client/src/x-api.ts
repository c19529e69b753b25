import type { TwitterRateLimit, TwitterResponse } from 'twitter-api-v2';
import { classifyError } from './classify-error.js';
import { createXClient } from './client.js';
import { type XError, XInvalidRequestError, XTransientError } from './errors.js';
import { isRecord } from './is-record.js';
import { mapPage } from './map-post.js';
import { countsBodySchema, describe, partialErrorSchema, searchMetaSchema } from './payload.schema.js';
import type {
  CountGranularity,
  CountsResult,
  LookupResult,
  MissingPost,
  RateLimit,
  SearchPage,
  SearchParams,
} from './types.js';

/** Everything capture reads, requested on every search and lookup. */
const POST_FIELDS = {
  expansions: 'author_id,referenced_tweets.id,referenced_tweets.id.author_id,attachments.media_keys',
  'tweet.fields':
    'created_at,author_id,lang,conversation_id,referenced_tweets,entities,public_metrics,edit_history_tweet_ids,in_reply_to_user_id,possibly_sensitive',
  'user.fields': 'username,name,public_metrics,verified,verified_type,created_at,protected',
};

/** `GET /2/tweets?ids=` takes at most 100 ids. */
export const LOOKUP_MAX_IDS = 100;

export interface XApiOptions {
  bearerToken: string;
  /** Another server to talk to instead of api.x.com (x-sim). */
  baseUrl?: string;
}

export interface CountsParams {
  startTime?: Date;
  endTime?: Date;
  /** `hour` when omitted, as X defaults. */
  granularity?: CountGranularity;
}

/**
 * The X endpoints capture uses, one HTTP request per call: the caller commits
 * each page before it asks for the next, so nothing pages behind its back
 * (the library's iterators stop silently when the rate window runs out).
 * Every method rejects only with an `XError`.
 */
export interface XApi {
  /** One page of `GET /2/tweets/search/recent`. */
  searchPage(params: SearchParams, observedAt: Date): Promise<SearchPage>;
  /** `GET /2/tweets/counts/recent`: X's own post counts, ascending buckets. */
  counts(query: string, params?: CountsParams): Promise<CountsResult>;
  /** `GET /2/tweets?ids=` for up to 100 ids; ids that did not come back are listed in `missing`. */
  lookup(ids: string[], observedAt: Date): Promise<LookupResult>;
}

export function createXApi({ bearerToken, baseUrl }: XApiOptions): XApi {
  const v2 = createXClient(bearerToken, baseUrl).v2;

  async function get(endpoint: string, query: Record<string, string>): Promise<TwitterResponse<unknown>> {
    try {
      return await v2.get<unknown>(endpoint, query, { fullResponse: true });
    } catch (err) {
      throw redact(classifyError(err), bearerToken);
    }
  }

  return {
    async searchPage(params, observedAt) {
      const res = await get('tweets/search/recent', searchQuery(params));
      const meta = searchMetaSchema.safeParse(isRecord(res.data) ? res.data.meta : undefined);
      if (!meta.success) throw unreadable('search', describe(meta.error));
      return {
        ...mapPage(res.data, observedAt),
        newestId: meta.data.newest_id,
        oldestId: meta.data.oldest_id,
        nextToken: meta.data.next_token,
        resultCount: meta.data.result_count,
        rateLimit: toRateLimit(res.rateLimit),
      };
    },

    async counts(query, params = {}) {
      const q: Record<string, string> = { query, granularity: params.granularity ?? 'hour' };
      if (params.startTime) q.start_time = xTime(params.startTime, 'start_time', 'floor');
      if (params.endTime) q.end_time = xTime(params.endTime, 'end_time', 'ceil');
      const res = await get('tweets/counts/recent', q);
      const body = countsBodySchema.safeParse(res.data);
      if (!body.success) throw unreadable('counts', describe(body.error));
      return {
        buckets: body.data.data.map((b) => ({
          start: new Date(b.start),
          end: new Date(b.end),
          count: b.tweet_count,
        })),
        total: body.data.meta.total_tweet_count,
        rateLimit: toRateLimit(res.rateLimit),
      };
    },

    async lookup(ids, observedAt) {
      const wanted = [...new Set(ids)];
      if (wanted.length > LOOKUP_MAX_IDS) {
        throw new XInvalidRequestError(`lookup takes at most ${LOOKUP_MAX_IDS} ids, got ${wanted.length}`, [
          'ids',
        ]);
      }
      if (wanted.length === 0)
        return { posts: [], authors: [], rejected: [], missing: [], rateLimit: undefined };
      const res = await get('tweets', { ids: wanted.join(','), ...POST_FIELDS });
      if (!isRecord(res.data)) throw unreadable('lookup', 'body is not a JSON object');
      return {
        ...mapPage(res.data, observedAt),
        missing: missingPosts(wanted, res.data),
        rateLimit: toRateLimit(res.rateLimit),
      };
    },
  };
}

function searchQuery(p: SearchParams): Record<string, string> {
  const byId = p.sinceId !== undefined || p.untilId !== undefined;
  const byTime = p.startTime !== undefined || p.endTime !== undefined;
  if (byId && byTime) {
    // X answers 400 to this mix; refuse before spending a request.
    throw new XInvalidRequestError('since_id/until_id cannot be combined with start_time/end_time', [
      ...(p.sinceId !== undefined ? ['since_id'] : []),
      ...(p.untilId !== undefined ? ['until_id'] : []),
      ...(p.startTime !== undefined ? ['start_time'] : []),
      ...(p.endTime !== undefined ? ['end_time'] : []),
    ]);
  }
  const q: Record<string, string> = {
    query: p.query,
    max_results: String(p.maxResults ?? 100),
    ...POST_FIELDS,
  };
  if (p.sinceId !== undefined) q.since_id = p.sinceId;
  if (p.untilId !== undefined) q.until_id = p.untilId;
  if (p.startTime) q.start_time = xTime(p.startTime, 'start_time', 'floor');
  if (p.endTime) q.end_time = xTime(p.endTime, 'end_time', 'ceil');
  if (p.nextToken !== undefined) q.next_token = p.nextToken;
  return q;
}

/**
 * X takes `YYYY-MM-DDTHH:mm:ssZ`, whole seconds. A start is rounded down and an
 * (exclusive) end up, so the window X searches is never narrower than asked:
 * an overlap is harmless to an upserting caller, a hole is not.
 */
export function xTime(date: Date, parameter: string, round: 'floor' | 'ceil'): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new XInvalidRequestError(`${parameter} is not a valid date`, [parameter]);
  const seconds = round === 'floor' ? Math.floor(ms / 1000) : Math.ceil(ms / 1000);
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
}

function missingPosts(wanted: string[], body: Record<string, unknown>): MissingPost[] {
  const returned = new Set<string>();
  if (Array.isArray(body.data)) {
    for (const item of body.data) if (isRecord(item) && typeof item.id === 'string') returned.add(item.id);
  }
  const reasons = new Map<string, MissingPost['reason']>();
  if (Array.isArray(body.errors)) {
    for (const item of body.errors) {
      const e = partialErrorSchema.safeParse(item);
      if (e.success && e.data.resource_id && !reasons.has(e.data.resource_id)) {
        reasons.set(e.data.resource_id, missingReason(e.data.type));
      }
    }
  }
  return wanted.filter((id) => !returned.has(id)).map((id) => ({ id, reason: reasons.get(id) ?? 'other' }));
}

// X sends problem types under https://api.twitter.com/2/problems/ or https://api.x.com/2/problems/.
function missingReason(type: string): MissingPost['reason'] {
  if (type.endsWith('/resource-not-found')) return 'deleted';
  if (type.endsWith('/not-authorized-for-resource')) return 'protected';
  return 'other';
}

function toRateLimit(rl: TwitterRateLimit | undefined): RateLimit | undefined {
  if (!rl) return undefined;
  return { limit: rl.limit, remaining: rl.remaining, resetAt: new Date(rl.reset * 1000) };
}

/** A 200 whose body is not what the endpoint returns (a proxy page, a cut JSON): worth a retry. */
function unreadable(endpoint: string, why: string): XTransientError {
  return new XTransientError(`X ${endpoint} answered 200 with an unreadable body: ${why}`);
}

/** Belt and braces: no message leaves this package with the token in it, whatever X echoed. */
function redact(error: XError, token: string): XError {
  if (token !== '' && error.message.includes(token)) {
    error.message = error.message.replaceAll(token, '[redacted]');
    if (error.stack) error.stack = error.stack.replaceAll(token, '[redacted]');
  }
  return error;
}
