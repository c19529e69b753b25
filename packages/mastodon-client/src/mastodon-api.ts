import type { MappedPage, Post } from '@tagpulse/core';
import { compareIds } from '@tagpulse/core';
import { createRestAPIClient, MastoHttpError } from 'masto';
import { MastodonRateLimitedError, MastodonUnavailableError } from './errors.js';
import { mapStatuses } from './map-status.js';

/** Mastodon's largest page of a hashtag timeline. */
export const MASTODON_PAGE_SIZE = 40;

export interface RateLimit {
  limit: number;
  remaining: number;
  resetAt: Date;
}

export interface TimelinePage extends MappedPage {
  /** Statuses the instance returned, mapped or not: a page shorter than asked is the timeline's head. */
  returned: number;
  /** The largest local id of the page, where the next page (min_id) starts; undefined when empty. */
  newestId: string | undefined;
  /** The instance's window as its headers told; undefined when it sent none. */
  rateLimit: RateLimit | undefined;
  /** Each mapped post's local id on this instance, where it is looked up again. */
  localIds: { postId: string; localId: string }[];
}

/** One status read again by its local id: as it stands, gone (404), or a body that does not parse. */
export type StatusLookup = (
  | { kind: 'found'; post: Post }
  | { kind: 'deleted' }
  | { kind: 'malformed'; reason: string }
) & { rateLimit: RateLimit | undefined };

export interface MastodonApi {
  readonly instance: string;
  /**
   * The statuses with the hashtag just above `minId` (Mastodon's `min_id`:
   * the oldest first), up to {@link MASTODON_PAGE_SIZE}.
   */
  tagPage(params: { hashtag: string; minId: string }, now: Date): Promise<TimelinePage>;
  /**
   * The status with this local id (`GET /api/v1/statuses/:id`), one a request.
   * Mastodon answers 404 for a status deleted (or no longer public); a 429
   * or an instance down throws, as for a page.
   */
  status(localId: string, now: Date): Promise<StatusLookup>;
}

function rateLimitOf(headers: Headers): RateLimit | undefined {
  const limit = Number(headers.get('x-ratelimit-limit'));
  const remaining = Number(headers.get('x-ratelimit-remaining'));
  const resetAt = new Date(headers.get('x-ratelimit-reset') ?? '');
  if (!headers.has('x-ratelimit-remaining') || Number.isNaN(remaining) || Number.isNaN(resetAt.getTime()))
    return undefined;
  return { limit, remaining, resetAt };
}

/** The only place tagpulse talks to a Mastodon instance (through masto); reads need no token. */
export function createMastodonApi({
  url,
  accessToken,
  timeoutMs = 30_000,
}: {
  url: string;
  accessToken?: string;
  timeoutMs?: number;
}): MastodonApi {
  const client = createRestAPIClient({ url, timeout: timeoutMs, ...(accessToken ? { accessToken } : {}) });
  const instance = new URL(url).host;
  return {
    instance,
    async tagPage({ hashtag, minId }, now) {
      let response: { headers: Headers; data: unknown };
      try {
        response = await client.v1.timelines.tag
          .$select(hashtag)
          .list.$raw({ minId, limit: MASTODON_PAGE_SIZE });
      } catch (err) {
        throw classify(instance, err, now);
      }
      const items = Array.isArray(response.data) ? (response.data as unknown[]) : [];
      if (!Array.isArray(response.data)) {
        throw new MastodonUnavailableError(instance, 200, 'the timeline is not a JSON array');
      }
      const page = mapStatuses(items, now);
      const ids = items.flatMap((s) => {
        const id = (s as { id?: unknown } | null)?.id;
        return typeof id === 'string' && /^[0-9]+$/.test(id) ? [id] : [];
      });
      return {
        ...page,
        // A mapped post's raw status passed the schema: its id is this instance's numeric local id.
        localIds: page.posts.map((p) => ({ postId: p.id, localId: (p.raw as { id: string }).id })),
        returned: items.length,
        newestId: ids.reduce<string | undefined>(
          (a, b) => (a === undefined || compareIds(b, a) > 0 ? b : a),
          undefined,
        ),
        rateLimit: rateLimitOf(response.headers),
      };
    },
    async status(localId, now) {
      let response: { headers: Headers; data: unknown };
      try {
        response = await client.v1.statuses.$select(localId).fetch.$raw();
      } catch (err) {
        if (err instanceof MastoHttpError && err.statusCode === 404) {
          const headers = headersOf(err);
          return { kind: 'deleted', rateLimit: headers && rateLimitOf(headers) };
        }
        throw classify(instance, err, now);
      }
      const rateLimit = rateLimitOf(response.headers);
      const { posts, rejected } = mapStatuses([response.data], now);
      const post = posts[0];
      if (post) return { kind: 'found', post, rateLimit };
      return { kind: 'malformed', reason: rejected[0]?.reason ?? 'status: invalid', rateLimit };
    },
  };
}

function headersOf(err: MastoHttpError): Headers | undefined {
  return err.cause instanceof Response ? err.cause.headers : undefined;
}

function classify(instance: string, err: unknown, now: Date): Error {
  if (err instanceof MastoHttpError) {
    const headers = headersOf(err);
    if (err.statusCode === 429) {
      // Without a reset header, the window is Mastodon's five minutes.
      const resetAt = (headers && rateLimitOf(headers)?.resetAt) ?? new Date(now.getTime() + 5 * 60_000);
      return new MastodonRateLimitedError(instance, resetAt);
    }
    return new MastodonUnavailableError(instance, err.statusCode, err.message);
  }
  return new MastodonUnavailableError(instance, undefined, err instanceof Error ? err.message : String(err));
}
