export { type BuiltReport, buildReport, type ReportRequest } from './build-report.js';
export { CHART_PNG_SIZE, renderChartPng } from './chart.js';
export {
  CHART_CID,
  REPORT_FORMATS,
  type ReportFormat,
  type ReportMessage,
  reportFileStem,
  reportMessage,
  type StoredAttachment,
} from './report-message.js';
export {
  type CheckedSchedule,
  checkSchedule,
  REPORT_CHANNELS,
  type ReportChannel,
  type ScheduleInput,
} from './schedule-input.js';
export {
  applySchedule,
  createSchedule,
  deleteSchedule,
  reconcileSchedules,
  removeSchedule,
  reportSchedulerId,
  type ScheduleStore,
  updateSchedule,
} from './schedulers.js';
