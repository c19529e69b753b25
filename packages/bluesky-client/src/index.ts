export {
  BLUESKY_LOOKUP_BATCH,
  BLUESKY_SEARCH_PAGE,
  type BlueskyApi,
  createBlueskyApi,
  type SearchPage,
} from './bluesky-api.js';
export { BlueskyRateLimitedError, BlueskyUnavailableError } from './errors.js';
export {
  type JetstreamConnection,
  type JetstreamPostEvent,
  openJetstream,
  parseJetstreamMessage,
} from './jetstream.js';
export { type Counts, mapPostViews, mapProfiles, recordHashtags, recordToPost } from './map-post.js';
