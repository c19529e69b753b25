export { type HashtagParse, hashtagKey, parseHashtag, SEED_HASHTAGS } from './hashtag.js';
export {
  compareIds,
  maxId,
  SNOWFLAKE_PATTERN,
  snowflakeAt,
  snowflakeTime,
  TWITTER_EPOCH_MS,
} from './snowflake.js';
