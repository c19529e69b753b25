import { toCsv } from '../csv.js';
import { engagementRate, STORED_METRICS } from '../metrics.js';
import type { ReportModel } from './model.js';

/** The report's series as CSV: one row per bucket, bucket starts in the report's zone. */
export function renderReportCsv(model: ReportModel): string {
  return toCsv(
    ['bucket_start', ...STORED_METRICS, 'engagement_rate'],
    model.series.points.map((p) => [
      p.t,
      ...STORED_METRICS.map((m) => p[m]),
      engagementRate(p.engagements, p.impressions),
    ]),
  );
}
