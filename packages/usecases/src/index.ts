export { loadRuleSeries, type RuleSeriesRequest, type WatchedSeries, watchedSeries } from './rule-series.js';
export {
  type HashtagTracking,
  type TrackingChange,
  trackHashtags,
  untrackHashtags,
} from './tracked-hashtags.js';
