export { hashtagKey, type HashtagParse, parseHashtag, SEED_HASHTAGS } from './hashtag.js';
export type { Author, MappedPage, Post, PostKind, PublicMetrics, RejectedPost } from './post.js';
export { compareIds, maxId, SNOWFLAKE_PATTERN, snowflakeAt, snowflakeTime, TWITTER_EPOCH_MS } from './snowflake.js';
