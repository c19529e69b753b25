export {
  type Change,
  currentPosition,
  listenForChanges,
  lsnValue,
  type ReplayState,
  replayState,
} from './change-feed.js';
export { createDb, type DbOptions } from './client.js';
export type * from './database.js';
export { REFRESH_AGES_MS, type RefreshSchedule, refreshSchedule } from './refresh-schedule.js';
export type { AlertRule, NewAlertRule } from './repositories/alert-rules.repository.js';
export * as alertRulesRepository from './repositories/alert-rules.repository.js';
export * as alertsRepository from './repositories/alerts.repository.js';
export * as apiKeysRepository from './repositories/api-keys.repository.js';
export type { BackfillRow, NewBackfill } from './repositories/backfills.repository.js';
export * as backfillsRepository from './repositories/backfills.repository.js';
export type { BudgetState } from './repositories/budget.repository.js';
export * as budgetRepository from './repositories/budget.repository.js';
export type { CoverageReading } from './repositories/coverage.repository.js';
export * as coverageRepository from './repositories/coverage.repository.js';
export type { CursorPatch } from './repositories/cursors.repository.js';
export * as cursorsRepository from './repositories/cursors.repository.js';
export * as deliveriesRepository from './repositories/deliveries.repository.js';
export * as gapsRepository from './repositories/gaps.repository.js';
export * as hashtagsRepository from './repositories/hashtags.repository.js';
export * as insightsRepository from './repositories/insights.repository.js';
export * as pageStore from './repositories/page-store.repository.js';
export * as postsRepository from './repositories/posts.repository.js';
export * as refreshRepository from './repositories/refresh.repository.js';
export * as reportSchedulesRepository from './repositories/report-schedules.repository.js';
export * as reportsRepository from './repositories/reports.repository.js';
export * as rollupOutbox from './repositories/rollup-outbox.repository.js';
export * as rollupsRepository from './repositories/rollups.repository.js';
export * as rollupDefinitions from './repositories/rollups-definitions.repository.js';
export type {
  SpendEntry,
  SpendPrices,
  SpendSummary,
  SpendTotals,
} from './repositories/spend-ledger.repository.js';
export * as spendLedger from './repositories/spend-ledger.repository.js';
