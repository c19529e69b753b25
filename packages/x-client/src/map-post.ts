import {
  type Author,
  compareIds,
  hashtagKey,
  type MappedPage,
  type Post,
  type PostKind,
  type RejectedPost,
  snowflakeTime,
} from '@tagpulse/core';
import { includedPosts, postInTweetNames, userInTweetNames } from './dialect.js';
import { isRecord } from './is-record.js';
import {
  describe,
  includedPostSchema,
  type PostPayload,
  postSchema,
  type UserPayload,
  userSchema,
} from './payload.schema.js';

/**
 * Maps one X response body (`data`, `includes.users`, `includes.tweets` or
 * `includes.posts`, in either field dialect) to core posts and authors. The body is `unknown` and checked piece by piece: a
 * malformed post lands in `rejected` with its id (when it has one) and a
 * reason, and the rest of the page still maps. Never throws.
 */
export function mapPage(payload: unknown, observedAt: Date): MappedPage {
  if (!isRecord(payload))
    return { posts: [], authors: [], rejected: [{ id: null, reason: 'body is not a JSON object' }] };
  const includes = isRecord(payload.includes) ? payload.includes : {};
  const users = indexUsers(includes.users, observedAt);
  const originals = indexHashtags(includedPosts(includes));

  const rejected: RejectedPost[] = [];
  // One post per edit chain: when two versions of a chain arrive (lookup of both
  // ids, or pages concatenated across an edit), the newest version wins.
  const byChain = new Map<string, Post>();
  const data = payload.data ?? [];
  if (!Array.isArray(data)) {
    rejected.push({ id: null, reason: 'data is not an array' });
  } else {
    for (const item of data) {
      const result = mapPost(item, users, originals, observedAt);
      if ('reason' in result) {
        rejected.push(result);
        continue;
      }
      const seen = byChain.get(result.editRootId);
      if (!seen || compareIds(result.id, seen.id) > 0) byChain.set(result.editRootId, result);
    }
  }
  return { posts: [...byChain.values()], authors: [...users.valid.values()], rejected };
}

interface UserIndex {
  valid: Map<string, Author>;
  /** Why an included user could not be read, by id, so its posts say so. */
  invalid: Map<string, string>;
}

// `includes.users` is concatenated across pages by the client's paginator, so
// the same user may appear several times (X-API.md pitfall 6): keep the first.
function indexUsers(list: unknown, observedAt: Date): UserIndex {
  const index: UserIndex = { valid: new Map(), invalid: new Map() };
  if (!Array.isArray(list)) return index;
  for (const item of list) {
    const parsed = userSchema.safeParse(userInTweetNames(item));
    if (parsed.success) {
      if (!index.valid.has(parsed.data.id))
        index.valid.set(parsed.data.id, toAuthor(parsed.data, observedAt));
    } else if (isRecord(item) && typeof item.id === 'string') {
      index.invalid.set(item.id, describe(parsed.error));
    }
  }
  for (const id of index.valid.keys()) index.invalid.delete(id);
  return index;
}

/** Hashtags of the referenced posts in `includes.tweets`, by id. */
function indexHashtags(list: unknown): Map<string, string[]> {
  const index = new Map<string, string[]>();
  if (!Array.isArray(list)) return index;
  for (const item of list) {
    const parsed = includedPostSchema.safeParse(item);
    if (parsed.success && !index.has(parsed.data.id)) {
      index.set(
        parsed.data.id,
        (parsed.data.entities?.hashtags ?? []).map((h) => h.tag),
      );
    }
  }
  return index;
}

function mapPost(
  item: unknown,
  users: UserIndex,
  originals: Map<string, string[]>,
  observedAt: Date,
): Post | RejectedPost {
  const rawId = isRecord(item) && typeof item.id === 'string' && item.id !== '' ? item.id : null;
  const parsed = postSchema.safeParse(postInTweetNames(item));
  if (!parsed.success) return { id: rawId, reason: describe(parsed.error) };
  const p = parsed.data;

  const author = users.valid.get(p.author_id);
  if (!author) {
    const why = users.invalid.get(p.author_id);
    return {
      id: p.id,
      reason: why
        ? `author ${p.author_id} is malformed in includes.users (${why})`
        : `author ${p.author_id} is not in includes.users`,
    };
  }

  const editRootId = p.edit_history_tweet_ids?.[0] ?? p.id;
  const { kind, referencedPostId } = classifyKind(p.referenced_tweets ?? []);
  const tags = (p.entities?.hashtags ?? []).map((h) => h.tag);
  // A repost's text is "RT @user: …" cut short, so its own entities can miss
  // tags the original carries; the original (includes.tweets) has them all.
  if (kind === 'repost' && referencedPostId) tags.push(...(originals.get(referencedPostId) ?? []));
  const m = p.public_metrics;

  return {
    network: 'x',
    id: p.id,
    editRootId,
    authorId: author.id,
    // The chain's creation time, so an edit never moves a post to another bucket. X shows
    // created_at cut to the second; the root's id holds the milliseconds, which are cut the same
    // way so the root and its edits land on the same stored row (keyed by root and time).
    createdAt:
      editRootId === p.id
        ? new Date(p.created_at)
        : new Date(Math.floor(snowflakeTime(editRootId) / 1000) * 1000),
    text: p.text,
    lang: p.lang ?? null,
    kind,
    referencedPostId,
    conversationId: p.conversation_id ?? null,
    hashtags: foldHashtags(tags),
    metrics: {
      likes: m?.like_count ?? 0,
      reposts: m?.retweet_count ?? 0,
      replies: m?.reply_count ?? 0,
      quotes: m?.quote_count ?? 0,
      bookmarks: m?.bookmark_count ?? 0,
      impressions: m?.impression_count ?? 0,
    },
    observedAt,
    raw: item,
  };
}

type Reference = NonNullable<PostPayload['referenced_tweets']>[number];

/**
 * Kind from `referenced_tweets`. A repost is a repost whatever else it lists;
 * a post that both replies and quotes counts as a reply, because its place in
 * a conversation is what the reply/original split measures.
 */
function classifyKind(refs: Reference[]): { kind: PostKind; referencedPostId: string | null } {
  for (const [type, kind] of KIND_PRECEDENCE) {
    const ref = refs.find((r) => r.type === type);
    if (ref) return { kind, referencedPostId: ref.id };
  }
  return { kind: 'original', referencedPostId: null };
}

const KIND_PRECEDENCE: ReadonlyArray<readonly [Reference['type'], PostKind]> = [
  ['retweeted', 'repost'],
  ['replied_to', 'reply'],
  ['quoted', 'quote'],
];

function foldHashtags(tags: string[]): string[] {
  const keys = new Set<string>();
  for (const tag of tags) {
    const key = hashtagKey(tag);
    if (key !== '') keys.add(key);
  }
  return [...keys];
}

function toAuthor(u: UserPayload, observedAt: Date): Author {
  return {
    network: 'x',
    id: u.id,
    username: u.username,
    name: u.name,
    followers: u.public_metrics?.followers_count ?? 0,
    following: u.public_metrics?.following_count ?? 0,
    posts: u.public_metrics?.tweet_count ?? 0,
    listed: u.public_metrics?.listed_count ?? 0,
    verified: u.verified ?? false,
    verifiedType: u.verified_type ?? null,
    accountCreatedAt: u.created_at ? new Date(u.created_at) : null,
    observedAt,
  };
}
