export { MastodonRateLimitedError, MastodonUnavailableError } from './errors.js';
export { htmlToText, mapStatuses } from './map-status.js';
export {
  createMastodonApi,
  MASTODON_PAGE_SIZE,
  type MastodonApi,
  type RateLimit,
  type StatusLookup,
  type TimelinePage,
} from './mastodon-api.js';
export { mastodonIdAt, mastodonIdTime } from './snowflake.js';
