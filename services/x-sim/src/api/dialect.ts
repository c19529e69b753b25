import { EXPANSIONS, type Expansion, TWEET_FIELDS, type TweetField } from './fields.js';

/**
 * Which naming x-sim speaks: `tweet`, the X API v2 OpenAPI specification 2.152
 * (`tweet.fields`, `referenced_tweets`, `edit_history_tweet_ids`,
 * `includes.tweets`, `tweet_count`), as X's changelog still writes; or `post`,
 * specification 2.167 (`post.fields`, `referenced_posts`,
 * `edit_history_post_ids`, `includes.posts`, `post_count`, `repost_count`). Both are vendored
 * in vendor/x-api/; which one live X answers is not known.
 */
export type Dialect = 'tweet' | 'post';
export const DIALECTS: readonly Dialect[] = ['tweet', 'post'];

/** The names a dialect gives what x-sim calls by its 2.152 name inside. */
export interface DialectNames {
  fieldsParam: 'tweet.fields' | 'post.fields';
  editHistory: 'edit_history_tweet_ids' | 'edit_history_post_ids';
  referenced: 'referenced_tweets' | 'referenced_posts';
  includedPosts: 'tweets' | 'posts';
  count: 'tweet_count' | 'post_count';
  /** A post's public_metrics reposts (2.167 PostPublicMetrics). */
  repostCount: 'retweet_count' | 'repost_count';
  /** A user's public_metrics posts (2.167 UserPublicMetrics). */
  userPostCount: 'tweet_count' | 'post_count';
  totalCount: 'total_tweet_count' | 'total_post_count';
  /** Accepted values of `tweet.fields` / `post.fields`, and the internal field each stands for (if x-sim has it). */
  fields: ReadonlyMap<string, TweetField | undefined>;
  /** Accepted values of `expansions`, and the internal expansion each stands for (if x-sim has it). */
  expansions: ReadonlyMap<string, Expansion | undefined>;
  problemBase: string;
}

/**
 * 2.167's names for 2.152's: its PostFieldsParameter and PostExpansionsParameter
 * enums are 2.152's lists renamed, less three expansions, plus the values below.
 * Its field enum leaves out author_id, in_reply_to_user_id, referenced_posts and
 * edit_history_post_ids though its Post schema has them: x-sim accepts them,
 * or a post dialect client could not ask for a post's author or references at
 * all (README, "Dialects").
 */
const POST_RENAMES: Record<string, string> = {
  referenced_tweets: 'referenced_posts',
  edit_history_tweet_ids: 'edit_history_post_ids',
  note_tweet: 'note_post',
  'referenced_tweets.id': 'referenced_posts',
};
const POST_ONLY_FIELDS = [
  'article_title',
  'matched_media_notes',
  'note_request_suggestions',
  'paid_partnership',
  'suggested_source_links_with_counts',
];
const POST_ONLY_EXPANSIONS = ['username'];
const NOT_POST_EXPANSIONS = [
  'entities.note.mentions.username',
  'referenced_tweets.id.attachments.media_keys',
  'referenced_tweets.id.author_id',
];

/** Each accepted name, and the internal (2.152) name it stands for, undefined where x-sim has no such data. */
function postNames<T extends string>(internal: readonly T[], only: string[], dropped: string[] = []) {
  const names = new Map<string, T | undefined>();
  for (const name of internal) if (!dropped.includes(name)) names.set(POST_RENAMES[name] ?? name, name);
  for (const name of only) names.set(name, undefined);
  return names;
}

const same = <T extends string>(names: readonly T[]) =>
  new Map<string, T | undefined>(names.map((n) => [n, n]));

export const DIALECT_NAMES: Record<Dialect, DialectNames> = {
  tweet: {
    fieldsParam: 'tweet.fields',
    editHistory: 'edit_history_tweet_ids',
    referenced: 'referenced_tweets',
    includedPosts: 'tweets',
    count: 'tweet_count',
    repostCount: 'retweet_count',
    userPostCount: 'tweet_count',
    totalCount: 'total_tweet_count',
    fields: same(TWEET_FIELDS),
    expansions: same(EXPANSIONS),
    problemBase: 'https://api.twitter.com/2/problems/',
  },
  post: {
    fieldsParam: 'post.fields',
    editHistory: 'edit_history_post_ids',
    referenced: 'referenced_posts',
    includedPosts: 'posts',
    count: 'post_count',
    repostCount: 'repost_count',
    userPostCount: 'post_count',
    totalCount: 'total_post_count',
    fields: postNames(TWEET_FIELDS, POST_ONLY_FIELDS),
    expansions: postNames(EXPANSIONS, POST_ONLY_EXPANSIONS, NOT_POST_EXPANSIONS),
    problemBase: 'https://api.x.com/2/problems/',
  },
};
