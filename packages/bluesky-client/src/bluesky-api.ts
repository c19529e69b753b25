import { AtpAgent, XRPCError } from '@atproto/api';
import type { Author, Post, RejectedPost } from '@tagpulse/core';
import { BlueskyRateLimitedError, BlueskyUnavailableError } from './errors.js';
import { mapPostViews, mapProfiles } from './map-post.js';

/** Largest page of searchPosts; largest batch of getPosts and getProfiles. */
export const BLUESKY_SEARCH_PAGE = 100;
export const BLUESKY_LOOKUP_BATCH = 25;

export interface SearchPage {
  posts: Post[];
  rejected: RejectedPost[];
  /** Where the next (older) page starts; undefined on the last page. */
  cursor: string | undefined;
}

export interface BlueskyApi {
  /** Whether an app-password is configured: search needs a session, look-ups do not. */
  readonly canSearch: boolean;
  /** Posts carrying the hashtag created in [since, until), newest first, one page from `cursor`. */
  searchTag(
    params: { tag: string; since: Date; until: Date; cursor?: string },
    now: Date,
  ): Promise<SearchPage>;
  /** The posts as they stand (deleted ones are absent), ≤ {@link BLUESKY_LOOKUP_BATCH} URIs. */
  getPosts(uris: string[], now: Date): Promise<{ posts: Post[]; rejected: RejectedPost[] }>;
  /** The accounts' profiles, ≤ {@link BLUESKY_LOOKUP_BATCH} DIDs. */
  getProfiles(dids: string[], now: Date): Promise<Author[]>;
}

/**
 * The only place tagpulse talks XRPC to Bluesky (through `@atproto/api`):
 * an app-password session, made on the first search and renewed by the
 * agent, `searchPosts`, `getPosts`, `getProfiles`.
 */
export function createBlueskyApi({
  serviceUrl,
  handle,
  appPassword,
}: {
  serviceUrl: string;
  handle?: string | undefined;
  appPassword?: string | undefined;
}): BlueskyApi {
  const agent = new AtpAgent({ service: serviceUrl });
  let login: Promise<unknown> | undefined;
  const session = async () => {
    if (!handle || !appPassword)
      throw new BlueskyUnavailableError(undefined, 'search needs BLUESKY_HANDLE and BLUESKY_APP_PASSWORD');
    login ??= agent.login({ identifier: handle, password: appPassword }).catch((err: unknown) => {
      login = undefined;
      throw err;
    });
    await login;
  };
  const call = async <T>(now: Date, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      throw classify(err, now);
    }
  };
  return {
    canSearch: Boolean(handle && appPassword),
    async searchTag({ tag, since, until, cursor }, now) {
      const res = await call(now, async () => {
        await session();
        return agent.app.bsky.feed.searchPosts({
          q: '*',
          tag: [tag],
          since: since.toISOString(),
          until: until.toISOString(),
          sort: 'latest',
          limit: BLUESKY_SEARCH_PAGE,
          ...(cursor ? { cursor } : {}),
        });
      });
      return { ...mapPostViews(res.data.posts, now), cursor: res.data.cursor };
    },
    async getPosts(uris, now) {
      const res = await call(now, () => agent.app.bsky.feed.getPosts({ uris }));
      return mapPostViews(res.data.posts, now);
    },
    async getProfiles(dids, now) {
      const res = await call(now, () => agent.app.bsky.actor.getProfiles({ actors: dids }));
      return mapProfiles(res.data.profiles, now);
    },
  };
}

function classify(err: unknown, now: Date): Error {
  if (err instanceof BlueskyUnavailableError) return err;
  if (err instanceof XRPCError) {
    if (err.status === 429) {
      const reset = Number(err.headers?.['ratelimit-reset']);
      // Without the header, Bluesky's window is five minutes.
      return new BlueskyRateLimitedError(
        Number.isFinite(reset) && reset > 0 ? new Date(reset * 1_000) : new Date(now.getTime() + 5 * 60_000),
      );
    }
    return new BlueskyUnavailableError(err.status, `${err.error}: ${err.message}`);
  }
  return new BlueskyUnavailableError(undefined, err instanceof Error ? err.message : String(err));
}
