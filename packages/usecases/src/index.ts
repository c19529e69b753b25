export { loadRuleSeries, type RuleSeriesRequest, rollupNetworkOf, watchedSeries } from './rule-series.js';
export { type Scope, type ScopeResult, scopeOf } from './scope.js';
export {
  type HashtagTracking,
  type TrackingChange,
  trackedHashtags,
  trackHashtags,
  untrackHashtags,
} from './tracked-hashtags.js';
