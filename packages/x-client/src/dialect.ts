import { isRecord } from './is-record.js';

/**
 * X's two namings of the same fields: OpenAPI v2.152 (`tweet.fields`,
 * `referenced_tweets`, `includes.tweets`, `retweet_count`) and v2.167
 * (`post.fields`, `referenced_posts`, `includes.posts`, `repost_count`).
 * Which one live X answers is unknown, so requests go out in one of them and
 * bodies are read in either.
 */
export type FieldDialect = 'tweet' | 'post';

export const FIELD_DIALECTS: readonly FieldDialect[] = ['tweet', 'post'];

interface DialectParams {
  /** The query parameter naming the post fields, which X's 400 names when it does not know it. */
  fieldsParam: string;
  expansions: string;
  fields: string;
}

// v2.167's field enum leaves out author_id, in_reply_to_user_id, referenced_posts and
// edit_history_post_ids although its Post schema has them; without them a post's author and
// references could not be asked for at all, so they are asked for.
const PARAMS: Record<FieldDialect, DialectParams> = {
  tweet: {
    fieldsParam: 'tweet.fields',
    expansions: 'author_id,referenced_tweets.id,referenced_tweets.id.author_id,attachments.media_keys',
    fields:
      'created_at,author_id,lang,conversation_id,referenced_tweets,entities,public_metrics,edit_history_tweet_ids,in_reply_to_user_id,possibly_sensitive',
  },
  post: {
    fieldsParam: 'post.fields',
    expansions: 'author_id,referenced_posts,attachments.media_keys',
    fields:
      'created_at,author_id,lang,conversation_id,referenced_posts,entities,public_metrics,edit_history_post_ids,in_reply_to_user_id,possibly_sensitive',
  },
};

const USER_FIELDS = 'username,name,public_metrics,verified,verified_type,created_at,protected';

/** The query parameters asking for everything capture reads, in `dialect`'s names. */
export function fieldParams(dialect: FieldDialect): Record<string, string> {
  const p = PARAMS[dialect];
  return { expansions: p.expansions, [p.fieldsParam]: p.fields, 'user.fields': USER_FIELDS };
}

/** Whether X's 400 rejected a parameter only `dialect` uses: the server speaks the other one. */
export function rejectsDialect(dialect: FieldDialect, parameters: readonly string[]): boolean {
  return parameters.includes(PARAMS[dialect].fieldsParam);
}

export function otherDialect(dialect: FieldDialect): FieldDialect {
  return dialect === 'tweet' ? 'post' : 'tweet';
}

/** v2.167 names → v2.152 names, for the keys tagpulse reads. */
const POST_RENAMES: ReadonlyArray<readonly [string, string]> = [
  ['referenced_posts', 'referenced_tweets'],
  ['edit_history_post_ids', 'edit_history_tweet_ids'],
];

/**
 * A post object in v2.152's names, whichever naming it came in. The original
 * is left untouched (it is stored as received); keys already in v2.152's names win.
 */
export function postInTweetNames(item: unknown): unknown {
  if (!isRecord(item)) return item;
  let out: Record<string, unknown> | undefined;
  for (const [from, to] of POST_RENAMES) {
    if (from in item && !(to in item)) {
      out ??= { ...item };
      out[to] = item[from];
    }
  }
  const metrics = item.public_metrics;
  if (isRecord(metrics) && 'repost_count' in metrics && !('retweet_count' in metrics)) {
    out ??= { ...item };
    out.public_metrics = { ...metrics, retweet_count: metrics.repost_count };
  }
  return out ?? item;
}

/** A user object in v2.152's names: v2.167 counts a user's posts as `post_count`. */
export function userInTweetNames(item: unknown): unknown {
  if (!isRecord(item) || !isRecord(item.public_metrics)) return item;
  const metrics = item.public_metrics;
  if (!('post_count' in metrics) || 'tweet_count' in metrics) return item;
  return { ...item, public_metrics: { ...metrics, tweet_count: metrics.post_count } };
}

/** The referenced posts of a body: `includes.tweets` in v2.152, `includes.posts` in v2.167. */
export function includedPosts(includes: Record<string, unknown>): unknown {
  return includes.tweets ?? includes.posts;
}
