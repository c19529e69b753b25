import type { ExpectedWindow, QuietHours, Silence } from './alert-calendar.js';
import type { StoredMetric } from './metrics.js';
import { ALL_NETWORKS, type NetworkFilter } from './network.js';
import { DEFAULT_SENSITIVITY } from './spike-detector.js';

/** Grains a rule may watch: alerts are about minutes and hours, and both are stored in UTC. */
export const ALERT_GRAINS = ['5m', '1h'] as const;
export type AlertGrain = (typeof ALERT_GRAINS)[number];

export const GRAIN_MS: Record<AlertGrain, number> = { '5m': 300_000, '1h': 3_600_000 };

/**
 * The sensitivity that stands for each of NAB's cost profiles (`pnpm tagpulse bench alerts` prints
 * each profile's score at its setting): one step below the default for teams that would rather miss
 * a spike than be woken by noise (reward_low_FP_rate), the default for NAB's standard costs, one
 * above for teams that would rather see every spike (reward_low_FN_rate). The detector's gates
 * loosen as the setting rises, so the mapping is monotonic. On NAB's development corpus both the
 * low-FP and the low-FN scores peak at the default itself (68.64 and 78.69: there a false alert
 * still costs a fifth of a missed window, or less), so 4 and 6 are its quieter and louder
 * neighbours (63.64 low-FP, 77.76 low-FN).
 */
export const PROFILE_SENSITIVITY = {
  reward_low_FP_rate: DEFAULT_SENSITIVITY - 1,
  standard: DEFAULT_SENSITIVITY,
  reward_low_FN_rate: DEFAULT_SENSITIVITY + 1,
} as const;

/** Where a notice goes. A webhook URL on hooks.slack.com gets a Slack-compatible body. */
export type Channel = { type: 'webhook'; url: string } | { type: 'email'; to: string[] };

/** Everything evaluation needs from a rule (its id, name and scope live with the row). */
export interface AlertRuleSpec {
  /** Whose series it watches: one network's, or all networks' together (their sum). */
  network: NetworkFilter;
  metric: StoredMetric;
  grain: AlertGrain;
  sensitivity: number;
  /** Smallest bucket value that may fire: a spike from 2 to 9 posts is noise to a comms team. */
  minVolume: number;
  /** Captured / X-counted posts below which an hour's buckets never fire. */
  minCoverage: number;
  /** How long a surge must last before it fires; 0 fires on the first anomalous bucket. */
  pendingMinutes: number;
  /** Calm buckets in a row that resolve a firing alert. */
  recoveryBuckets: number;
  /** While firing and unacknowledged, a reminder this often; null: never. */
  repeatMinutes: number | null;
  tz: string;
  quietHours: QuietHours[];
  silences: Silence[];
  expectedWindows: ExpectedWindow[];
}

/**
 * The rule each tracked hashtag gets: posts of all networks per 5 minutes at the default
 * sensitivity, at least 20 posts in the bucket (below that a "spike" is a
 * handful of posts), firing at once, resolved after two calm buckets, a
 * reminder every 4 hours (Alertmanager's default repeat interval).
 */
export const DEFAULT_RULE: AlertRuleSpec = {
  network: ALL_NETWORKS,
  metric: 'posts',
  grain: '5m',
  sensitivity: DEFAULT_SENSITIVITY,
  minVolume: 20,
  minCoverage: 0.9,
  pendingMinutes: 0,
  recoveryBuckets: 2,
  repeatMinutes: 240,
  tz: 'UTC',
  quietHours: [],
  silences: [],
  expectedWindows: [],
};
