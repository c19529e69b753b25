import { hashtagKey, snowflakeAt } from '@tagpulse/core';
import { firstVersion } from '../mastodon/mastodon-world.js';
import { hashSeed } from '../random.js';
import type { Scenario } from '../scenario/scenario-schema.js';
import type { SimUser } from '../world/authors.js';
import { lowBits } from '../world/generate.js';
import { isDeleted, type SimPost } from '../world/post.js';
import type { World } from '../world/world.js';
import { didOf, parseTid, tid, userIndexOfDid } from './identifiers.js';

export type BlueskySpec = NonNullable<Scenario['bluesky']>;

/** Salts of the draws that place a post on Bluesky, apart from the world's and Mastodon's. */
const ON_BLUESKY = 0x6273_6b79;
const TAGS_ONLY = 0x7461_6773;
const COLLECTION = 'app.bsky.feed.post';

/** One record event of the Jetstream: a post created or deleted, at `timeUs`. */
export interface BlueskyEvent {
  timeUs: number;
  op: 'create' | 'delete';
  post: SimPost;
}

/**
 * Bluesky's view of the world: which posts were also posted there, each
 * post's record key (a TID from its creation instant and its place in its
 * minute slice, so the key leads back to the post) and author DID, what
 * search finds and what the Jetstream emits between two instants. All drawn
 * from the post's place in the world, so the view is as deterministic as the world.
 */
export class BlueskyWorld {
  /** Deletion events by the minute slice they happen in, for the creation slices already scanned. */
  private readonly deletions = new Map<number, BlueskyEvent[]>();
  private readonly scanned = new Set<number>();
  private handles: Map<string, SimUser> | undefined;

  constructor(
    readonly world: World,
    readonly spec: BlueskySpec,
  ) {}

  private draw(post: SimPost, salt: number): number {
    return hashSeed(this.world.seed, salt, post.slice, post.index) / 4_294_967_296;
  }

  /** Whether the post is on Bluesky: a share of the originals, with the replies and quotes to them. */
  carries(post: SimPost): boolean {
    if (post.kind === 'repost') return false;
    if (post.kind !== 'original') return post.ref !== null && this.carries(post.ref);
    return this.draw(post, ON_BLUESKY) < this.spec.share;
  }

  /** Whether the post's client put its hashtags in the record's `tags` rather than in facets. */
  tagsOnly(post: SimPost): boolean {
    return this.draw(post, TAGS_ONLY) < this.spec.tags_only;
  }

  did(user: SimUser): string {
    return didOf(this.world.seed, user.index);
  }

  handle(user: SimUser): string {
    const name = user.username
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '');
    return `${name || 'user'}-${user.index}.bsky.social`;
  }

  /** The user a DID or handle names, or undefined. */
  user(actor: string): SimUser | undefined {
    if (actor.startsWith('did:')) {
      const index = userIndexOfDid(this.world.seed, actor);
      return index === undefined ? undefined : this.world.users[index];
    }
    this.handles ??= new Map(this.world.users.map((u) => [this.handle(u), u]));
    return this.handles.get(actor.toLowerCase());
  }

  /** The record's creation in microseconds: its TID's time, its index's high bits below the millisecond. */
  micros(post: SimPost): number {
    return firstVersion(post).createdMs * 1_000 + (post.index >> 10);
  }

  rkey(post: SimPost): string {
    return tid(this.micros(post), post.index & 1023);
  }

  uri(post: SimPost): string {
    return `at://${this.did(post.author)}/${COLLECTION}/${this.rkey(post)}`;
  }

  /** The post an `at://` URI names, whether or not it exists yet or still; undefined when none does. */
  postOf(uri: string): SimPost | undefined {
    const m = /^at:\/\/(did:[a-z0-9:]+)\/app\.bsky\.feed\.post\/([a-z2-7]{13})$/.exec(uri);
    const key = m?.[2] && parseTid(m[2]);
    if (!key) return undefined;
    const createdMs = Math.floor(key.micros / 1_000);
    const index = ((key.micros % 1_000) << 10) | key.clockId;
    const post = this.world.findVersion(snowflakeAt(createdMs, lowBits(0, 0, index)))?.post;
    return post && this.carries(post) && this.uri(post) === uri ? post : undefined;
  }

  /** Every event with `fromUs` < time ≤ `toUs`, in the order the Jetstream emits them. */
  eventsIn(fromUs: number, toUs: number): BlueskyEvent[] {
    const fromMs = Math.floor(fromUs / 1_000);
    const toMs = Math.floor(toUs / 1_000);
    const events: BlueskyEvent[] = [];
    for (let s = this.world.sliceOf(fromMs); s <= this.world.sliceOf(toMs); s++) {
      for (const v of this.world.versionsWithIdIn(s)) {
        if (v.n !== 0 || !this.carries(v.post)) continue;
        const timeUs = this.micros(v.post);
        if (timeUs > fromUs && timeUs <= toUs) events.push({ timeUs, op: 'create', post: v.post });
      }
      this.indexDeletions(s);
      for (const e of this.deletions.get(s) ?? []) if (e.timeUs > fromUs && e.timeUs <= toUs) events.push(e);
    }
    return events.sort((a, b) => a.timeUs - b.timeUs || (a.op === b.op ? 0 : a.op === 'create' ? -1 : 1));
  }

  /** Files the deletions of every post created in the slices a deletion in slice `s` can come from. */
  private indexDeletions(s: number): void {
    const reach = this.world.sliceOf(this.world.scenario.deletions.after_minutes.max * 60_000) + 1;
    for (let c = s - reach; c <= s; c++) {
      if (this.scanned.has(c)) continue;
      this.scanned.add(c);
      for (const v of this.world.versionsWithIdIn(c)) {
        const post = v.post;
        if (v.n !== 0 || post.deletedMs === null || !this.carries(post)) continue;
        const d = this.world.sliceOf(post.deletedMs);
        const list = this.deletions.get(d) ?? [];
        list.push({ timeUs: post.deletedMs * 1_000 + (post.index >> 10), op: 'delete', post });
        this.deletions.set(d, list);
      }
    }
  }

  /**
   * What `searchPosts` finds at `now`: live, indexed posts carrying every one
   * of the hashtags, created in [sinceMs, untilMs) and with a record key below
   * `belowKey`, newest first, at most `limit`.
   */
  search({ tags, sinceMs, untilMs, belowKey, limit, now }: SearchQuery): SimPost[] {
    const keys = tags.map(hashtagKey);
    const found: SimPost[] = [];
    const top = Math.min(untilMs - 1, now);
    const bottom = Math.max(sinceMs, this.world.window.start);
    for (let s = this.world.sliceOf(top); s >= this.world.sliceOf(bottom) && found.length < limit; s--) {
      const inSlice: { post: SimPost; key: string }[] = [];
      for (const v of this.world.versionsWithIdIn(s)) {
        const post = v.post;
        if (v.n !== 0 || v.createdMs < sinceMs || v.createdMs >= untilMs) continue;
        if (!keys.every((k) => post.tagKeys.includes(k)) || !this.carries(post)) continue;
        if (isDeleted(post, now) || v.createdMs + post.searchableDelayMs > now) continue;
        const key = this.rkey(post);
        if (belowKey === undefined || key < belowKey) inSlice.push({ post, key });
      }
      inSlice.sort((a, b) => (a.key < b.key ? 1 : -1));
      found.push(...inSlice.map((p) => p.post));
    }
    return found.slice(0, limit);
  }
}

export interface SearchQuery {
  tags: string[];
  sinceMs: number;
  untilMs: number;
  belowKey: string | undefined;
  limit: number;
  now: number;
}
