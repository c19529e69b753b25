import { hashtagKey, snowflakeAt } from '@tagpulse/core';
import { hashSeed } from '../random.js';
import type { Scenario } from '../scenario/scenario-schema.js';
import { lowBits } from '../world/generate.js';
import { isDeleted, type SimPost, type Version } from '../world/post.js';
import type { World } from '../world/world.js';

export type MastodonSpec = NonNullable<Scenario['mastodon']>;

/** Salts of the draws that place a post on Mastodon, so they never correlate with the world's own. */
const ON_MASTODON = 0x6d61_7374;
const HOME = 0x686f_6d65;
const COPY = 0x636f_7079;
const DELAY = 0x6465_6c79;

/** One post of the world as a Mastodon status: where it lives and where copies of it arrive. */
export interface MastodonPost {
  post: SimPost;
  home: number;
  /** When it appears on each instance (epoch ms), by instance index; absent where it never does. */
  arrivals: Map<number, number>;
}

/**
 * Mastodon's view of the world: which posts were also posted there, from
 * which home instance, which instances receive a federated copy and when, and
 * each status's local id on each instance. All drawn from the post's place in
 * the world, so the view is as deterministic as the world.
 *
 * A local id is Mastodon's snowflake, milliseconds << 16 plus 16 low bits;
 * like Mastodon, a federated copy's id is dated by the status's `created_at`,
 * not by its arrival, so a copy can land below ids a client already read. The
 * low bits are the post's index in its minute slice and the instance, so ids
 * are unique per instance and lead back to the post.
 */
export class MastodonWorld {
  constructor(
    readonly world: World,
    readonly spec: MastodonSpec,
  ) {}

  get domains(): readonly string[] {
    return this.spec.instances;
  }

  private draw(post: SimPost, salt: number, k = 0): number {
    return hashSeed(this.world.seed, salt, post.slice, post.index, k) / 4_294_967_296;
  }

  /** Whether the post is on Mastodon: a share of the originals, with the replies and quotes to them. */
  private carries(post: SimPost): boolean {
    if (post.kind === 'repost') return false;
    if (post.kind !== 'original') return post.ref !== null && this.carries(post.ref);
    return this.draw(post, ON_MASTODON) < this.spec.share;
  }

  /** The post as a status, or undefined when it is not on Mastodon. */
  statusOf(post: SimPost): MastodonPost | undefined {
    if (!this.carries(post)) return undefined;
    const n = this.spec.instances.length;
    const author = post.author;
    const home = hashSeed(this.world.seed, HOME, author.index) % n;
    const created = firstVersion(post).createdMs;
    const arrivals = new Map<number, number>([[home, created]]);
    const { min, max } = this.spec.federation_delay_seconds;
    for (let i = 0; i < n; i++) {
      if (i === home || this.draw(post, COPY, i) >= this.spec.federated) continue;
      arrivals.set(i, created + Math.round((min + (max - min) * this.draw(post, DELAY, i)) * 1_000));
    }
    return { post, home, arrivals };
  }

  /** The status's id on an instance. */
  localId(post: SimPost, instance: number): bigint {
    return (BigInt(firstVersion(post).createdMs) << 16n) | BigInt((post.index << 3) | instance);
  }

  /** The status with this local id on the instance, or undefined (not a status, or not there). */
  statusByLocalId(id: string, instance: number): MastodonPost | undefined {
    if (!/^[0-9]{1,20}$/.test(id)) return undefined;
    const n = BigInt(id);
    if (Number(n & 7n) !== instance) return undefined;
    const createdMs = Number(n >> 16n);
    const index = Number((n & 0xffffn) >> 3n);
    const post = this.world.findVersion(snowflakeAt(createdMs, lowBits(0, 0, index)))?.post;
    const status = post && this.statusOf(post);
    return status && this.localId(post, instance) === n ? status : undefined;
  }

  /**
   * The statuses carrying the hashtag that the instance shows at `now`
   * (arrived, not deleted) with local ids in (aboveId, belowId), newest first
   * (or oldest first with `ascending`), at most `limit` of them.
   */
  timeline(
    instance: number,
    { tag, aboveId, belowId, limit, ascending, now }: TimelineQuery,
  ): { status: MastodonPost; id: bigint }[] {
    const key = hashtagKey(tag);
    const { start } = this.world.window;
    const lo = Math.max(start, aboveId === undefined ? start : Number(aboveId >> 16n));
    const hi = Math.min(now, belowId === undefined ? now : Number(belowId >> 16n));
    const first = this.world.sliceOf(lo);
    const last = this.world.sliceOf(hi);
    const found: { status: MastodonPost; id: bigint }[] = [];
    for (let k = 0; k <= last - first && found.length < limit; k++) {
      const s = ascending ? first + k : last - k;
      const inSlice: { status: MastodonPost; id: bigint }[] = [];
      for (const v of this.world.versionsWithIdIn(s)) {
        if (v.n !== 0 || !v.post.tagKeys.includes(key) || isDeleted(v.post, now)) continue;
        const status = this.statusOf(v.post);
        const arrived = status?.arrivals.get(instance);
        if (!status || arrived === undefined || arrived > now) continue;
        const id = this.localId(v.post, instance);
        if ((aboveId !== undefined && id <= aboveId) || (belowId !== undefined && id >= belowId)) continue;
        inSlice.push({ status, id });
      }
      inSlice.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * (ascending ? 1 : -1));
      found.push(...inSlice);
    }
    return found.slice(0, limit);
  }
}

export interface TimelineQuery {
  tag: string;
  aboveId?: bigint | undefined;
  belowId?: bigint | undefined;
  limit: number;
  ascending: boolean;
  now: number;
}

export function firstVersion(post: SimPost): Version {
  const v = post.versions[0];
  if (!v) throw new Error('a post without versions');
  return v;
}

/** The version shown at `now`: the newest edit made by then. */
export function currentVersion(post: SimPost, now: number): Version {
  let current = firstVersion(post);
  for (const v of post.versions) if (v.createdMs <= now) current = v;
  return current;
}
