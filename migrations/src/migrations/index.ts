import type { Migration } from 'kysely';
import * as createHashtags from './2026_11_28_0001_create_hashtags.js';
import * as createAuthorsAndPosts from './2026_11_28_0002_create_authors_and_posts.js';
import * as createCaptureState from './2026_11_28_0003_create_capture_state.js';
import * as createRollups from './2026_11_28_0004_create_rollups.js';
import * as createApiKeysAndRollupZones from './2026_11_28_0005_create_api_keys_and_rollup_zones.js';
import * as createRollupDirty from './2026_11_28_0006_create_rollup_dirty.js';
import * as createTopPostsAndChangeNotices from './2026_11_29_0007_create_top_posts_and_change_notices.js';
import * as createAlerts from './2026_11_29_0008_create_alerts.js';
import * as createReports from './2026_11_29_0009_create_reports.js';
import * as createSpendLedger from './2026_12_04_0010_create_spend_ledger.js';
import * as notifyApiKeyChanges from './2026_12_04_0011_notify_api_key_changes.js';
import * as zoneBuildsAndHourAuthors from './2026_12_04_0012_zone_builds_and_hour_authors.js';
import * as reportScheduleFailures from './2026_12_04_0013_report_schedule_failures.js';
import * as createBackfills from './2026_12_05_0014_create_backfills.js';
import * as searchIndexSetting from './2026_12_05_0016_search_index_setting.js';
import * as networks from './2026_12_05_0017_networks.js';
import * as gapNetworks from './2026_12_05_0019_gap_networks.js';
import * as alertRuleNetwork from './2026_12_05_0020_alert_rule_network.js';
import * as blueskyGapCause from './2026_12_05_0022_bluesky_gap_cause.js';
import * as mastodonLookups from './2026_12_06_0023_mastodon_lookups.js';
import * as dayAuthors from './2026_12_06_0024_day_authors.js';
import * as linksWithoutForeignKey from './2026_12_06_0025_links_without_foreign_key.js';

/** Every migration, by name; names sort in the order they apply. A test checks each file is listed. */
export const migrations: Record<string, Migration> = {
  '2026_11_28_0001_create_hashtags': createHashtags,
  '2026_11_28_0002_create_authors_and_posts': createAuthorsAndPosts,
  '2026_11_28_0003_create_capture_state': createCaptureState,
  '2026_11_28_0004_create_rollups': createRollups,
  '2026_11_28_0005_create_api_keys_and_rollup_zones': createApiKeysAndRollupZones,
  '2026_11_28_0006_create_rollup_dirty': createRollupDirty,
  '2026_11_29_0007_create_top_posts_and_change_notices': createTopPostsAndChangeNotices,
  '2026_11_29_0008_create_alerts': createAlerts,
  '2026_11_29_0009_create_reports': createReports,
  '2026_12_04_0010_create_spend_ledger': createSpendLedger,
  '2026_12_04_0011_notify_api_key_changes': notifyApiKeyChanges,
  '2026_12_04_0012_zone_builds_and_hour_authors': zoneBuildsAndHourAuthors,
  '2026_12_04_0013_report_schedule_failures': reportScheduleFailures,
  '2026_12_05_0014_create_backfills': createBackfills,
  '2026_12_05_0016_search_index_setting': searchIndexSetting,
  '2026_12_05_0017_networks': networks,
  '2026_12_05_0019_gap_networks': gapNetworks,
  '2026_12_05_0020_alert_rule_network': alertRuleNetwork,
  '2026_12_05_0022_bluesky_gap_cause': blueskyGapCause,
  '2026_12_06_0023_mastodon_lookups': mastodonLookups,
  '2026_12_06_0024_day_authors': dayAuthors,
  '2026_12_06_0025_links_without_foreign_key': linksWithoutForeignKey,
};
