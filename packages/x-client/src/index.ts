export type { Billable } from './billable.js';
export { classifyError } from './classify-error.js';
export { baseUrlPlugin, createXClient } from './client.js';
export { FIELD_DIALECTS, type FieldDialect } from './dialect.js';
export {
  XAuthError,
  XError,
  XInvalidRequestError,
  XRateLimitedError,
  XTransientError,
  XUsageCappedError,
} from './errors.js';
export { mapPage } from './map-post.js';
export { defaultPrices, type XAccess, type XPrices } from './pricing.js';
export type {
  CountBucket,
  CountGranularity,
  CountsResult,
  LookupResult,
  MissingPost,
  RateLimit,
  SearchPage,
  SearchParams,
  UsageDay,
  UsageReading,
} from './types.js';
export {
  type CountsParams,
  createXApi,
  LOOKUP_MAX_IDS,
  type XApi,
  type XApiOptions,
} from './x-api.js';
