export { escapeHtml, formatChange, formatLocal, formatNumber, formatPeriod } from './format.js';
export type {
  ReportAlert,
  ReportAuthor,
  ReportCoverage,
  ReportModel,
  ReportNetwork,
  ReportPost,
  ReportTotal,
  SeriesRow,
} from './model.js';
export { peakBucket } from './peak.js';
export { renderReportCsv } from './render-csv.js';
export { CHART_CSS_SIZE, type HtmlOptions, renderReportHtml, renderReportText } from './render-html.js';
export { renderReportJson } from './render-json.js';
export {
  CALENDAR_PERIODS,
  type CalendarPeriod,
  cronProblem,
  destinationProblems,
  type FieldProblem,
  firePattern,
  isCalendarPeriod,
  isEmailAddress,
  nextRun,
  type Period,
  periodOfFire,
  previousPeriodOf,
  recentFires,
  type ScheduleTiming,
  seriesGrain,
  timingProblems,
  webhookProblem,
  zoneOffsetMs,
} from './schedule.js';
