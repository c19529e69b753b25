import {
  formatPeriod,
  type ReportModel,
  renderReportCsv,
  renderReportHtml,
  renderReportJson,
  renderReportText,
} from '@tagpulse/core';

export const REPORT_FORMATS = ['html', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The chart's Content-ID in an e-mail: the HTML shows it inline with `cid:`. */
export const CHART_CID = 'chart@tagpulse';

/** An attachment as nodemailer takes it, base64 so it keeps in the ledger's JSON. */
export interface StoredAttachment {
  filename: string;
  contentType: string;
  encoding: 'base64';
  content: string;
  /** Set for an inline image the HTML refers to. */
  cid?: string;
}

/**
 * A report as the delivery ledger keeps it: what notify's channels send (`subject`, `text` and the
 * webhook's `json`), plus the e-mail's HTML and attachments. Rendered once, when the report is
 * stored, so every attempt sends the same bytes.
 */
export interface ReportMessage {
  subject: string;
  text: string;
  json: Record<string, unknown>;
  html?: string;
  attachments?: StoredAttachment[];
}

function base(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-|-$/g, '') || 'report';
}

/** The file name stem of a report's downloads and attachments, e.g. `report-42-2020-07-06`. */
export function reportFileStem(reportId: number | undefined, model: ReportModel): string {
  return base(`report${reportId === undefined ? '' : `-${reportId}`}-${model.period.from.slice(0, 10)}`);
}

/**
 * The message of a stored report. E-mail: the HTML body with the chart inline (cid), the CSV and
 * JSON attached when the schedule asks for them, a text part for clients without HTML. Webhook:
 * the report's JSON model (and CSV when asked), with where to download it.
 */
export function reportMessage(
  reportId: number,
  model: ReportModel,
  chartPng: Buffer,
  {
    formats,
    links,
  }: { formats: readonly ReportFormat[]; links: { html: string; csv: string; json: string } },
): ReportMessage {
  const stem = reportFileStem(reportId, model);
  const attachments: StoredAttachment[] = [];
  if (formats.includes('html')) {
    attachments.push({
      filename: 'chart.png',
      contentType: 'image/png',
      encoding: 'base64',
      content: chartPng.toString('base64'),
      cid: CHART_CID,
    });
  }
  const file = (filename: string, contentType: string, body: string): StoredAttachment => ({
    filename,
    contentType,
    encoding: 'base64',
    content: Buffer.from(body).toString('base64'),
  });
  if (formats.includes('csv'))
    attachments.push(file(`${stem}.csv`, 'text/csv; charset=utf-8', renderReportCsv(model)));
  if (formats.includes('json'))
    attachments.push(file(`${stem}.json`, 'application/json', renderReportJson(model)));
  return {
    subject: `${model.title} — ${formatPeriod(model.period)}`,
    text: renderReportText(model),
    json: {
      type: 'report',
      report_id: reportId,
      links,
      report: model,
      ...(formats.includes('csv') ? { csv: renderReportCsv(model) } : {}),
    },
    ...(formats.includes('html') ? { html: renderReportHtml(model, { chartSrc: `cid:${CHART_CID}` }) } : {}),
    attachments,
  };
}
