import { firstVersion } from '../mastodon/mastodon-world.js';
import type { SimUser } from '../world/authors.js';
import { publicMetrics, type SimPost } from '../world/post.js';
import type { BlueskyEvent, BlueskyWorld } from './bluesky-world.js';
import { cidOf, tid } from './identifiers.js';

/**
 * Bluesky's bodies as the atproto lexicons that ship with `@atproto/api`
 * define them (app.bsky.feed.post, app.bsky.feed.defs#postView,
 * app.bsky.actor.defs#profileView*), and Jetstream's JSON events.
 */
export interface StrongRef {
  uri: string;
  cid: string;
}

export interface PostRecord {
  $type: 'app.bsky.feed.post';
  text: string;
  createdAt: string;
  langs?: string[];
  facets?: {
    index: { byteStart: number; byteEnd: number };
    features: { $type: 'app.bsky.richtext.facet#tag'; tag: string }[];
  }[];
  tags?: string[];
  reply?: { root: StrongRef; parent: StrongRef };
  embed?: { $type: 'app.bsky.embed.record'; record: StrongRef };
}

export interface ProfileViewBasic {
  did: string;
  handle: string;
  displayName: string;
  createdAt: string;
}

export interface ProfileViewDetailed extends ProfileViewBasic {
  description: string;
  followersCount: number;
  followsCount: number;
  postsCount: number;
  indexedAt: string;
}

export interface PostView {
  uri: string;
  cid: string;
  author: ProfileViewBasic;
  record: PostRecord;
  replyCount: number;
  repostCount: number;
  likeCount: number;
  quoteCount: number;
  indexedAt: string;
}

export type JetstreamEvent =
  | {
      did: string;
      time_us: number;
      kind: 'commit';
      commit: {
        rev: string;
        operation: 'create';
        collection: 'app.bsky.feed.post';
        rkey: string;
        record: PostRecord;
        cid: string;
      };
    }
  | {
      did: string;
      time_us: number;
      kind: 'commit';
      commit: { rev: string; operation: 'delete'; collection: 'app.bsky.feed.post'; rkey: string };
    };

/** Bluesky's audiences are smaller than X's for the same people: a fifth. */
const SCALE = 5;

export function cid(b: BlueskyWorld, post: SimPost): string {
  return cidOf(`${b.world.seed}:${b.uri(post)}`);
}

function ref(b: BlueskyWorld, post: SimPost): StrongRef {
  return { uri: b.uri(post), cid: cid(b, post) };
}

/** Code-point offsets of X's entities as the UTF-8 byte offsets atproto's facets take. */
function byteOffset(text: string, codePoints: number): number {
  return Buffer.byteLength([...text].slice(0, codePoints).join(''));
}

export function postRecord(b: BlueskyWorld, post: SimPost): PostRecord {
  const first = firstVersion(post);
  const { text, hashtags } = first.text;
  const record: PostRecord = {
    $type: 'app.bsky.feed.post',
    text,
    createdAt: new Date(first.createdMs).toISOString(),
    ...(post.lang === 'und' ? {} : { langs: [post.lang] }),
  };
  if (hashtags.length > 0 && b.tagsOnly(post)) {
    record.tags = [...new Set(hashtags.map((h) => h.tag))].slice(0, 8);
  } else if (hashtags.length > 0) {
    record.facets = hashtags.map((h) => ({
      index: { byteStart: byteOffset(text, h.start), byteEnd: byteOffset(text, h.end) },
      features: [{ $type: 'app.bsky.richtext.facet#tag', tag: h.tag }],
    }));
  }
  // Replies and quotes are always to an original, itself on Bluesky: root and parent are the same post.
  if (post.kind === 'reply' && post.ref) record.reply = { root: ref(b, post.ref), parent: ref(b, post.ref) };
  if (post.kind === 'quote' && post.ref)
    record.embed = { $type: 'app.bsky.embed.record', record: ref(b, post.ref) };
  return record;
}

export function profileBasic(b: BlueskyWorld, user: SimUser): ProfileViewBasic {
  return {
    did: b.did(user),
    handle: b.handle(user),
    displayName: user.name,
    createdAt: new Date(Date.parse(user.createdAt)).toISOString(),
  };
}

export function profileDetailed(b: BlueskyWorld, user: SimUser, now: number): ProfileViewDetailed {
  return {
    ...profileBasic(b, user),
    description: user.description,
    followersCount: Math.max(1, Math.round(user.followers / SCALE)),
    followsCount: Math.round(user.following / SCALE),
    postsCount: Math.round(user.tweetCount / SCALE),
    indexedAt: new Date(now).toISOString(),
  };
}

export function postView(b: BlueskyWorld, post: SimPost, now: number): PostView {
  const first = firstVersion(post);
  const m = publicMetrics(first, now);
  return {
    uri: b.uri(post),
    cid: cid(b, post),
    author: profileBasic(b, post.author),
    record: postRecord(b, post),
    replyCount: Math.round(m.reply_count / SCALE),
    repostCount: Math.round(m.retweet_count / SCALE),
    likeCount: Math.round(m.like_count / SCALE),
    quoteCount: Math.round(m.quote_count / SCALE),
    indexedAt: new Date(first.createdMs).toISOString(),
  };
}

export function jetstreamEvent(b: BlueskyWorld, e: BlueskyEvent): JetstreamEvent {
  const did = b.did(e.post.author);
  // The repository's revision is a TID of the commit's instant.
  const rev = tid(e.timeUs, 0);
  const rkey = b.rkey(e.post);
  const collection = 'app.bsky.feed.post' as const;
  if (e.op === 'delete') {
    return { did, time_us: e.timeUs, kind: 'commit', commit: { rev, operation: 'delete', collection, rkey } };
  }
  return {
    did,
    time_us: e.timeUs,
    kind: 'commit',
    commit: {
      rev,
      operation: 'create',
      collection,
      rkey,
      record: postRecord(b, e.post),
      cid: cid(b, e.post),
    },
  };
}
