import { createHash } from 'node:crypto';
import type { BlueskyWorld } from './bluesky-world.js';
import { parseTid } from './identifiers.js';
import { postView, profileDetailed } from './views.js';

export interface XrpcAnswer {
  status: number;
  body: unknown;
}

/** The app-password account the simulated PDS knows. */
export interface BlueskyAccount {
  handle: string;
  password: string;
}

const MAX_SEARCH = 100;
const DEFAULT_SEARCH = 25;
const MAX_LOOKUP = 25;

const invalid = (message: string): XrpcAnswer => ({
  status: 400,
  body: { error: 'InvalidRequest', message },
});

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A JWT-shaped token (unsigned: the sim checks it by equality) scoped as atproto's app passwords are. */
function token(did: string, scope: string, salt: string): string {
  const sig = createHash('sha256').update(`${did}:${scope}:${salt}`).digest('base64url');
  const exp = 4_102_444_800; // 2100-01-01: the sim's sessions do not expire
  return `${base64url({ typ: 'at+jwt', alg: 'ES256K' })}.${base64url({ scope, sub: did, iat: 0, exp })}.${sig}`;
}

/**
 * XRPC of a PDS proxying the AppView, as far as tagpulse reads it: an
 * app-password session (`com.atproto.server.createSession`, `refreshSession`),
 * `app.bsky.feed.searchPosts` (a session needed, as on bsky.social),
 * `app.bsky.feed.getPosts` and `app.bsky.actor.getProfiles`.
 */
export class Xrpc {
  private readonly access: string;
  private readonly refresh: string;
  private readonly did: string;

  constructor(
    private readonly b: BlueskyWorld,
    private readonly account: BlueskyAccount,
  ) {
    this.did = `did:plc:${createHash('sha256')
      .update(account.handle)
      .digest('hex')
      .slice(0, 24)
      .replace(/[0189]/g, 'a')}`;
    this.access = token(this.did, 'com.atproto.appPass', account.password);
    this.refresh = token(this.did, 'com.atproto.refresh', account.password);
  }

  private session(): XrpcAnswer {
    const body = {
      accessJwt: this.access,
      refreshJwt: this.refresh,
      handle: this.account.handle,
      did: this.did,
      active: true,
    };
    return { status: 200, body };
  }

  answer(
    method: string,
    nsid: string,
    q: URLSearchParams,
    body: unknown,
    bearer: string | undefined,
    now: number,
  ): XrpcAnswer {
    if (nsid === 'com.atproto.server.createSession') {
      if (method !== 'POST') return invalid('createSession is a procedure (POST)');
      const { identifier, password } = (body ?? {}) as { identifier?: unknown; password?: unknown };
      if (typeof identifier !== 'string' || typeof password !== 'string')
        return invalid('Input must have the properties "identifier" and "password"');
      if (identifier !== this.account.handle && identifier !== this.did)
        return unauthorized('Invalid identifier or password');
      if (password !== this.account.password) return unauthorized('Invalid identifier or password');
      return this.session();
    }
    if (nsid === 'com.atproto.server.refreshSession') {
      if (bearer !== this.refresh)
        return { status: 400, body: { error: 'ExpiredToken', message: 'Token has been revoked' } };
      return this.session();
    }
    if (method !== 'GET') return invalid(`${nsid} is a query (GET)`);
    if (bearer !== undefined && bearer !== this.access)
      return { status: 400, body: { error: 'ExpiredToken', message: 'Token has expired' } };
    if (nsid === 'app.bsky.feed.searchPosts') {
      if (bearer === undefined) return unauthorized('Authentication Required');
      return this.searchPosts(q, now);
    }
    if (nsid === 'app.bsky.feed.getPosts') {
      const uris = q.getAll('uris');
      if (uris.length === 0 || uris.length > MAX_LOOKUP)
        return invalid(`uris must hold 1 to ${MAX_LOOKUP} at-uris`);
      const posts = uris.flatMap((uri) => {
        const post = this.b.postOf(uri);
        const created = post?.versions[0]?.createdMs;
        if (
          !post ||
          created === undefined ||
          created > now ||
          (post.deletedMs !== null && post.deletedMs <= now)
        )
          return [];
        return [postView(this.b, post, now)];
      });
      return { status: 200, body: { posts } };
    }
    if (nsid === 'app.bsky.actor.getProfiles') {
      const actors = q.getAll('actors');
      if (actors.length === 0 || actors.length > MAX_LOOKUP)
        return invalid(`actors must hold 1 to ${MAX_LOOKUP} DIDs or handles`);
      const profiles = actors.flatMap((a) => {
        const user = this.b.user(a);
        return user ? [profileDetailed(this.b, user, now)] : [];
      });
      return { status: 200, body: { profiles } };
    }
    return {
      status: 501,
      body: { error: 'MethodNotImplemented', message: `Method Not Implemented: ${nsid}` },
    };
  }

  private searchPosts(q: URLSearchParams, now: number): XrpcAnswer {
    const text = q.get('q');
    if (!text) return invalid('Error: Params must have the property "q"');
    const limitText = q.get('limit');
    const limit = limitText === null ? DEFAULT_SEARCH : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH)
      return invalid(`limit must be 1 to ${MAX_SEARCH}`);
    const sort = q.get('sort');
    if (sort !== null && sort !== 'latest' && sort !== 'top') return invalid('sort must be latest or top');
    const instant = (name: string) => {
      const v = q.get(name);
      if (v === null) return undefined;
      const ms = Date.parse(v);
      return /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(ms) ? ms : Number.NaN;
    };
    const since = instant('since');
    const until = instant('until');
    if (Number.isNaN(since) || Number.isNaN(until)) return invalid('since and until must be datetimes');
    const cursor = q.get('cursor');
    if (cursor !== null && !parseTid(cursor)) return invalid('cursor is not one this server gave');
    // The hashtags asked: the `tag` filters and the #words of the query, all of them on each post.
    const tags = [
      ...q.getAll('tag'),
      ...[...text.matchAll(/#([\p{L}\p{M}\p{N}_]+)/gu)].map((m) => m[1] ?? ''),
    ];
    if (tags.length === 0) return { status: 200, body: { posts: [] } };
    const posts = this.b.search({
      tags,
      sinceMs: since ?? Number.NEGATIVE_INFINITY,
      untilMs: until ?? Number.POSITIVE_INFINITY,
      belowKey: cursor ?? undefined,
      limit: limit + 1,
      now,
    });
    const page = posts.slice(0, limit);
    const last = page.at(-1);
    return {
      status: 200,
      body: {
        ...(posts.length > limit && last ? { cursor: this.b.rkey(last) } : {}),
        posts: page.map((p) => postView(this.b, p, now)),
      },
    };
  }
}

function unauthorized(message: string): XrpcAnswer {
  return { status: 401, body: { error: 'AuthenticationRequired', message } };
}
