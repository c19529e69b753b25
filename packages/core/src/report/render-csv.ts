import { engagementRate, STORED_METRICS } from '../metrics.js';
import type { ReportModel } from './model.js';

function cell(value: string | number | null): string {
  if (value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The report's series as CSV (RFC 4180, CRLF): one row per bucket, bucket starts in the report's zone. */
export function renderReportCsv(model: ReportModel): string {
  const header = ['bucket_start', ...STORED_METRICS, 'engagement_rate'];
  const rows = model.series.points.map((p) => [
    p.t,
    ...STORED_METRICS.map((m) => p[m]),
    engagementRate(p.engagements, p.impressions),
  ]);
  return `${[header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}
