export {
  type HashtagTracking,
  type TrackingChange,
  trackHashtags,
  untrackHashtags,
} from './tracked-hashtags.js';
