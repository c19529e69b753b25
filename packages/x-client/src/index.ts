export { classifyError } from './classify-error.js';
export { baseUrlPlugin, createXClient } from './client.js';
export {
  XAuthError,
  XError,
  XInvalidRequestError,
  XRateLimitedError,
  XTransientError,
  XUsageCappedError,
} from './errors.js';
export { mapPage } from './map-post.js';
export type {
  CountBucket,
  CountGranularity,
  CountsResult,
  LookupResult,
  MissingPost,
  RateLimit,
  SearchPage,
  SearchParams,
} from './types.js';
export {
  type CountsParams,
  createXApi,
  LOOKUP_MAX_IDS,
  type XApi,
  type XApiOptions,
} from './x-api.js';
