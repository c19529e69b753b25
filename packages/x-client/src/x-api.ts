import type { TwitterRateLimit, TwitterResponse } from 'twitter-api-v2';
import { billableIds } from './billable.js';
import { classifyError } from './classify-error.js';
import { createXClient } from './client.js';
import { type FieldDialect, fieldParams, otherDialect, rejectsDialect } from './dialect.js';
import { type XError, XInvalidRequestError, XTransientError } from './errors.js';
import { isRecord } from './is-record.js';
import { mapPage } from './map-post.js';
import {
  countsBodySchema,
  describe,
  partialErrorSchema,
  searchMetaSchema,
  usageBodySchema,
} from './payload.schema.js';
import type {
  CountGranularity,
  CountsResult,
  LookupResult,
  MissingPost,
  RateLimit,
  SearchPage,
  SearchParams,
  UsageReading,
} from './types.js';

/** `GET /2/tweets?ids=` takes at most 100 ids. */
export const LOOKUP_MAX_IDS = 100;

export interface XApiOptions {
  bearerToken: string;
  /** Another server to talk to instead of api.x.com (x-sim). */
  baseUrl?: string;
  /** The field names to ask in first (`tweet` by default); the server's 400 corrects it. */
  dialect?: FieldDialect;
  /** Told once when a 400 showed the server speaks the other dialect, which is used from then on. */
  onDialectChange?: (dialect: FieldDialect, rejectedParameter: string) => void;
}

export interface CountsParams {
  startTime?: Date;
  endTime?: Date;
  /** `hour` when omitted, as X defaults. */
  granularity?: CountGranularity;
  /** `counts/all` (the full archive) instead of `counts/recent`. */
  archive?: boolean;
  nextToken?: string;
}

/**
 * The X endpoints capture uses, one HTTP request per call: the caller commits
 * each page before it asks for the next, so nothing pages behind its back
 * (the library's iterators stop silently when the rate window runs out).
 * Every method rejects only with an `XError`.
 */
export interface XApi {
  /** One page of `GET /2/tweets/search/recent` (`search/all` with `archive`). */
  searchPage(params: SearchParams, observedAt: Date): Promise<SearchPage>;
  /** `GET /2/tweets/counts/recent` (`counts/all` with `archive`): X's own post counts, ascending buckets. */
  counts(query: string, params?: CountsParams): Promise<CountsResult>;
  /** `GET /2/tweets?ids=` for up to 100 ids; ids that did not come back are listed in `missing`. */
  lookup(ids: string[], observedAt: Date): Promise<LookupResult>;
  /** `GET /2/usage/tweets`: the posts X counted against the project, per day, for the last `days` days. */
  usage(days: number): Promise<UsageReading>;
  /** The field dialect requests go out in now. */
  readonly dialect: FieldDialect;
}

export function createXApi({
  bearerToken,
  baseUrl,
  dialect: initial = 'tweet',
  onDialectChange,
}: XApiOptions): XApi {
  const v2 = createXClient(bearerToken, baseUrl).v2;
  let dialect = initial;

  async function get(endpoint: string, query: Record<string, string>): Promise<TwitterResponse<unknown>> {
    try {
      return await v2.get<unknown>(endpoint, query, { fullResponse: true });
    } catch (err) {
      throw redact(classifyError(err), bearerToken);
    }
  }

  /**
   * A request carrying post fields. When X answers 400 naming the fields
   * parameter of the dialect asked in, the server speaks the other one: it
   * is remembered, said once, and the request goes again in it.
   */
  async function getWithFields(
    endpoint: string,
    query: Record<string, string>,
  ): Promise<TwitterResponse<unknown>> {
    const asked = dialect;
    try {
      return await get(endpoint, { ...query, ...fieldParams(asked) });
    } catch (err) {
      if (!(err instanceof XInvalidRequestError) || !rejectsDialect(asked, err.parameters)) throw err;
      if (dialect === asked) {
        dialect = otherDialect(asked);
        onDialectChange?.(dialect, err.parameters.join(','));
      }
      return get(endpoint, { ...query, ...fieldParams(dialect) });
    }
  }

  return {
    get dialect() {
      return dialect;
    },

    async searchPage(params, observedAt) {
      const endpoint = params.archive ? 'tweets/search/all' : 'tweets/search/recent';
      const res = await getWithFields(endpoint, searchQuery(params));
      const meta = searchMetaSchema.safeParse(isRecord(res.data) ? res.data.meta : undefined);
      if (!meta.success) throw unreadable('search', describe(meta.error));
      return {
        ...mapPage(res.data, observedAt),
        newestId: meta.data.newest_id,
        oldestId: meta.data.oldest_id,
        nextToken: meta.data.next_token,
        resultCount: meta.data.result_count,
        rateLimit: toRateLimit(res.rateLimit),
        billable: billableIds(res.data),
      };
    },

    async counts(query, params = {}) {
      const q: Record<string, string> = { query, granularity: params.granularity ?? 'hour' };
      if (params.startTime) q.start_time = xTime(params.startTime, 'start_time', 'floor');
      if (params.endTime) q.end_time = xTime(params.endTime, 'end_time', 'ceil');
      if (params.nextToken !== undefined) q.next_token = params.nextToken;
      const res = await get(params.archive ? 'tweets/counts/all' : 'tweets/counts/recent', q);
      const body = countsBodySchema.safeParse(res.data);
      if (!body.success) throw unreadable('counts', describe(body.error));
      const buckets = body.data.data.map((b) => ({
        start: new Date(b.start),
        end: new Date(b.end),
        count: b.count,
      }));
      const { total_tweet_count, total_post_count, next_token } = body.data.meta;
      return {
        buckets,
        total: total_tweet_count ?? total_post_count ?? buckets.reduce((n, b) => n + b.count, 0),
        nextToken: next_token,
        rateLimit: toRateLimit(res.rateLimit),
      };
    },

    async usage(days) {
      const res = await get('usage/tweets', {
        days: String(days),
        'usage.fields': 'cap_reset_day,daily_project_usage,project_cap,project_usage',
      });
      const body = usageBodySchema.safeParse(res.data);
      if (!body.success) throw unreadable('usage', describe(body.error));
      const d = body.data.data;
      return {
        days: (d.daily_project_usage?.usage ?? []).map((u) => ({
          day: new Date(`${u.date.slice(0, 10)}T00:00:00.000Z`),
          posts: Number(u.usage ?? 0),
        })),
        projectUsage: d.project_usage,
        projectCap: d.project_cap,
        capResetDay: d.cap_reset_day,
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
        return {
          posts: [],
          authors: [],
          rejected: [],
          missing: [],
          rateLimit: undefined,
          billable: { postIds: [], userIds: [] },
        };
      const res = await getWithFields('tweets', { ids: wanted.join(',') });
      if (!isRecord(res.data)) throw unreadable('lookup', 'body is not a JSON object');
      return {
        ...mapPage(res.data, observedAt),
        missing: missingPosts(wanted, res.data),
        rateLimit: toRateLimit(res.rateLimit),
        billable: billableIds(res.data),
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
  const q: Record<string, string> = { query: p.query, max_results: String(p.maxResults ?? 100) };
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
