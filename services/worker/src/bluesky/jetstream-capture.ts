import {
  BLUESKY_LOOKUP_BATCH,
  type BlueskyApi,
  BlueskyRateLimitedError,
  type JetstreamConnection,
  type JetstreamPostEvent,
  openJetstream,
  recordToPost,
} from '@tagpulse/bluesky-client';
import type { Author, Post } from '@tagpulse/core';
import { cursorsRepository, type Database, type GapCause, gapsRepository, pageStore } from '@tagpulse/db';
import { nudge, type Queues, type RedisClient } from '@tagpulse/queue';
import type { Logger } from '@tagpulse/runtime';
import { trackedHashtags } from '@tagpulse/usecases';
import type { Kysely } from 'kysely';
import type { WorkerClock } from '../clock.js';
import { jetstreamLock } from './jetstream-lock.js';

/** The one cursor of the Jetstream: the `time_us` of the last event stored (as text). */
export const JETSTREAM_QUERY_KEY = 'bluesky-jetstream';

export interface BlueskyCaptureDeps {
  db: Kysely<Database>;
  redis: RedisClient;
  queues: Queues;
  clock: WorkerClock;
  log: Logger;
  api: BlueskyApi;
}

export interface BlueskyCaptureOptions {
  jetstreamUrl: string;
  /** How far back (Bluesky time, ms) the Jetstream replays from a cursor. */
  replayWindowMs: number;
  /** Redis key of the reader lock (under the queue prefix). */
  lockKey: string;
  lockTtlMs?: number;
  /** Wall ms between two stores of the events read. */
  flushMs?: number;
}

export interface BlueskyCapture {
  stop(): Promise<void>;
}

type Deletion = pageStore.Deletion;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads the Jetstream in whichever worker holds the lock: resumes from the
 * stored cursor while the Jetstream still replays it, else catches up the
 * span it no longer replays through searchPosts (or records it as a gap),
 * then stores the matching post records and the deletions batch by batch,
 * each with the cursor in one transaction guarded by its version.
 */
export function startBlueskyCapture(
  deps: BlueskyCaptureDeps,
  options: BlueskyCaptureOptions,
): BlueskyCapture {
  const { db, clock, log, api } = deps;
  const ttlMs = options.lockTtlMs ?? 6_000;
  const flushMs = options.flushMs ?? 250;
  const lock = jetstreamLock(deps.redis, options.lockKey, ttlMs);
  // Resuming needs the cursor well inside the window: the Jetstream measures it when the stream opens.
  const marginMs = Math.floor(options.replayWindowMs / 4);
  let stopped = false;
  let connection: JetstreamConnection | undefined;

  /** The cursor as this holder last moved it; a store finding another version means it lost the lock. */
  const state = { version: 0, storedUs: 0, owned: false };

  /** Stores a page (or none) and moves the cursor, unless another reader moved it first. */
  async function moveCursor(
    patch: cursorsRepository.CursorPatch,
    page?: { posts: Post[]; authors: Author[]; rejected: number },
  ): Promise<boolean> {
    const now = clock.now();
    const stored = await pageStore.storePage(db, {
      posts: page?.posts ?? [],
      authors: page?.authors ?? [],
      rejected: page?.rejected ?? 0,
      seenAt: now,
      cursor: {
        queryKey: JETSTREAM_QUERY_KEY,
        expectedVersion: state.version,
        patch: { status: 'ok', last_poll_at: now, last_success_at: now, last_error: null, ...patch },
      },
    });
    if (!stored.committed) {
      state.owned = false;
      connection?.close();
      return false;
    }
    state.version++;
    if (stored.posts > 0) await nudge(deps.queues, 'compute-rollups', {});
    return true;
  }

  /** Profiles of the authors not stored yet; a refused look-up leaves them to their next post. */
  async function newAuthors(posts: Post[]): Promise<Author[]> {
    const dids = [...new Set(posts.map((p) => p.authorId))];
    if (dids.length === 0) return [];
    const known = new Set(
      (await db.selectFrom('authors').select('id').where('id', 'in', dids).execute()).map((r) => r.id),
    );
    const missing = dids.filter((d) => !known.has(d));
    const authors: Author[] = [];
    try {
      for (let i = 0; i < missing.length; i += BLUESKY_LOOKUP_BATCH)
        authors.push(...(await api.getProfiles(missing.slice(i, i + BLUESKY_LOOKUP_BATCH), clock.now())));
    } catch (err) {
      log.warn({ err, authors: missing.length }, 'bluesky profiles not read');
    }
    return authors;
  }

  async function tagKeys(): Promise<string[]> {
    return (await trackedHashtags(db)).map((t) => t.tag_key);
  }

  /**
   * The span [sinceMs, untilMs) the Jetstream no longer replays: read through
   * searchPosts per hashtag (createdAt in the same half-open span the stream
   * resumes at), or recorded as a gap with its cause.
   */
  async function catchUp(sinceMs: number, untilMs: number): Promise<void> {
    const tags = await tagKeys();
    // One gap per cause over the hashtags it hides (a gap is keyed by query, start and cause).
    const unseen = new Map<GapCause, { tags: string[]; detail: string }>();
    const miss = (cause: GapCause, tag: string, detail: string) => {
      const entry = unseen.get(cause) ?? { tags: [], detail };
      entry.tags.push(tag);
      unseen.set(cause, entry);
    };
    for (const tag of tags) {
      if (!api.canSearch) {
        miss(
          'beyond_replay_window',
          tag,
          'the Jetstream no longer replays this span and search needs BLUESKY_HANDLE and BLUESKY_APP_PASSWORD',
        );
        continue;
      }
      let cursor: string | undefined;
      try {
        do {
          const page = await api.searchTag(
            { tag, since: new Date(sinceMs), until: new Date(untilMs), ...(cursor ? { cursor } : {}) },
            clock.now(),
          );
          const stored = await moveCursor(
            {},
            { posts: page.posts, authors: await newAuthors(page.posts), rejected: page.rejected.length },
          );
          if (!stored) return;
          cursor = page.posts.length > 0 ? page.cursor : undefined;
        } while (cursor);
      } catch (err) {
        log.warn({ err, tag }, 'bluesky catch-up by search stopped');
        const message = err instanceof Error ? err.message : String(err);
        miss(err instanceof BlueskyRateLimitedError ? 'rate_limited' : 'api_error', tag, message);
      }
    }
    for (const [cause, { tags: tagKeys, detail }] of unseen)
      await gapsRepository.recordGap(db, {
        network: 'bluesky',
        queryKey: JETSTREAM_QUERY_KEY,
        tagKeys,
        startAt: new Date(sinceMs),
        endAt: new Date(untilMs),
        cause,
        detail,
      });
  }

  /**
   * Where the stream starts (µs, inclusive), and the span before it the
   * Jetstream no longer replays, to catch up once the stream is accepted.
   */
  async function streamStart(): Promise<
    { fromUs: number; catchUp?: { sinceMs: number; untilMs: number } } | undefined
  > {
    await cursorsRepository.ensureCursor(db, {
      queryKey: JETSTREAM_QUERY_KEY,
      network: 'bluesky',
      query: 'jetstream app.bsky.feed.post',
      tagKeys: [],
      sinceId: null,
    });
    const cursor = await cursorsRepository.getCursor(db, JETSTREAM_QUERY_KEY);
    if (!cursor) return undefined;
    state.version = cursor.version;
    const nowMs = clock.now().getTime();
    // A first start reads from now on (history is X's back-fill's business, not the stream's).
    const storedUs = cursor.since_id === null ? nowMs * 1_000 - 1 : Number(cursor.since_id);
    if (cursor.since_id === null && !(await moveCursor({ since_id: String(storedUs) }))) return undefined;
    state.storedUs = storedUs;
    if (nowMs * 1_000 - storedUs < (options.replayWindowMs - marginMs) * 1_000)
      return { fromUs: storedUs + 1 };
    // The stream resumes on a whole millisecond S, search reads createdAt in [floor(stored), S): the
    // same boundary on both sides (a record's time_us lies in the millisecond of its createdAt).
    const untilMs = nowMs - options.replayWindowMs + marginMs;
    return { fromUs: untilMs * 1_000, catchUp: { sinceMs: Math.floor(storedUs / 1_000), untilMs } };
  }

  /** Reads the span the stream will not replay, then moves the cursor to where the stream starts. */
  async function catchUpThenMove(span: { sinceMs: number; untilMs: number }): Promise<void> {
    log.warn(
      { from: new Date(span.sinceMs), to: new Date(span.untilMs) },
      'bluesky cursor beyond the replay window',
    );
    await catchUp(span.sinceMs, span.untilMs);
    if (state.owned && (await moveCursor({ since_id: String(span.untilMs * 1_000 - 1) })))
      state.storedUs = span.untilMs * 1_000 - 1;
  }

  /** Stores the events read so far: the matching records, the deletions, the cursor. */
  async function flush(events: JetstreamPostEvent[]): Promise<void> {
    const fresh = events.filter((e) => e.timeUs !== undefined && e.timeUs > state.storedUs);
    if (fresh.length === 0) return;
    const lastUs = Math.max(...fresh.map((e) => e.timeUs ?? 0));
    const tracked = new Set(await tagKeys());
    const posts: Post[] = [];
    const deletions: Deletion[] = [];
    let rejected = 0;
    for (const e of fresh) {
      if (e.op === 'malformed') {
        rejected++;
        log.warn({ reason: e.reason }, 'malformed jetstream event skipped');
      } else if (e.op === 'delete') {
        deletions.push({ id: e.uri, at: new Date(Math.floor(e.timeUs / 1_000)) });
      } else {
        // A record carries no counts: zero as of its creation, so any look-up's figures are newer.
        const createdAt = new Date(e.record.createdAt);
        const post = recordToPost(
          e.uri,
          e.did,
          e.record,
          { likes: 0, reposts: 0, replies: 0, quotes: 0 },
          createdAt,
          e.raw,
        );
        if (post.hashtags.some((h) => tracked.has(h))) posts.push(post);
      }
    }
    const page = { posts, authors: await newAuthors(posts), rejected };
    // Posts first, then deletions (one of a post of this batch included), then the cursor: each
    // step is idempotent, so a crash between them replays the batch and neither loses nor doubles.
    if (deletions.length === 0) {
      if (await moveCursor({ since_id: String(lastUs) }, page)) state.storedUs = lastUs;
      return;
    }
    if (!(await moveCursor({}, page))) return;
    if ((await pageStore.markDeleted(db, deletions)) > 0) await nudge(deps.queues, 'compute-rollups', {});
    if (await moveCursor({ since_id: String(lastUs) })) state.storedUs = lastUs;
  }

  /** One stream, from `fromUs` until it closes, the lock is lost or capture stops. */
  async function readStream({
    fromUs,
    catchUp: span,
  }: {
    fromUs: number;
    catchUp?: { sinceMs: number; untilMs: number };
  }): Promise<number> {
    let buffer: JetstreamPostEvent[] = [];
    let received = 0;
    // Catching up waits for the Jetstream to take the stream (a refused one catches up nothing, so an
    // outage is one span); the stream's batches wait for the catch-up.
    let accepted: (yes: boolean) => void = () => {};
    const acceptance = new Promise<boolean>((resolve) => {
      accepted = resolve;
    });
    // After a batch fails, later ones must not move the cursor past it: the stream ends and resumes.
    let failed = false;
    const fail = (err: unknown) => {
      failed = true;
      log.error({ err }, 'bluesky batch not stored');
      connection?.close();
    };
    let pending = span
      ? acceptance.then((yes) => (yes ? catchUpThenMove(span) : undefined)).catch(fail)
      : Promise.resolve();
    const drain = () => {
      const events = buffer;
      buffer = [];
      pending = pending.then(async () => {
        if (failed || !state.owned) return;
        await flush(events).catch(fail);
      });
      return pending;
    };
    const closed = new Promise<string>((resolve) => {
      connection = openJetstream({
        url: options.jetstreamUrl,
        cursorUs: fromUs,
        onOpen: () => accepted(true),
        onEvent: (e) => {
          received++;
          buffer.push(e);
        },
        onClose: resolve,
      });
    });
    const timer = setInterval(() => void drain(), flushMs);
    const reason = await closed;
    clearInterval(timer);
    accepted(false);
    // Events read before the close are stored, unless a failed store (or another reader) ended it.
    if (state.owned) await drain();
    else await pending;
    log.info({ reason, received }, 'jetstream closed');
    return received;
  }

  async function holdLock(): Promise<void> {
    const renewal = setInterval(() => {
      lock
        .renew()
        .then((held) => {
          if (held) return;
          state.owned = false;
          connection?.close();
        })
        .catch(() => {});
    }, ttlMs / 3);
    try {
      // Retrying never waits long in Bluesky time, so a short outage stays inside the replay window.
      const maxBackoffMs = Math.min(15_000, clock.realMs(options.replayWindowMs / 20));
      let backoffMs = Math.min(500, maxBackoffMs);
      while (!stopped && state.owned) {
        const start = await streamStart();
        if (start === undefined || stopped || !state.owned) break;
        const received = await readStream(start);
        backoffMs = received > 0 ? Math.min(500, maxBackoffMs) : Math.min(backoffMs * 2, maxBackoffMs);
        if (!stopped && state.owned) await sleep(backoffMs);
      }
    } finally {
      clearInterval(renewal);
    }
  }

  const running = (async () => {
    while (!stopped) {
      try {
        if (await lock.acquire()) {
          state.owned = true;
          await holdLock();
          await lock.release();
        }
      } catch (err) {
        log.error({ err }, 'bluesky capture failed; trying again');
      }
      state.owned = false;
      if (!stopped) await sleep(ttlMs / 3);
    }
  })();

  return {
    async stop() {
      stopped = true;
      connection?.close();
      await running;
      await lock.release().catch(() => {});
    },
  };
}
