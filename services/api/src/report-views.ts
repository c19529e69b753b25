import {
  formatInZone,
  METRICS,
  NETWORKS,
  type ReportModel,
  renderReportCsv,
  renderReportHtml,
} from '@tagpulse/core';
import type { ApiKeyScope, ReportRow, reportsRepository } from '@tagpulse/db';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { channelView, deliveryErrorView } from './channel-view.js';
import { CSV_TYPE } from './csv.js';

// What a report looks like over HTTP: the /v1/reports routes' response schemas, a stored
// report's summary with its deliveries, and the report sent as HTML, CSV or JSON.

const period = z.object({ from: z.string(), to: z.string() });
const metricsRow = z.object({
  t: z.string(),
  posts: z.number(),
  originals: z.number(),
  replies: z.number(),
  quotes: z.number(),
  reposts: z.number(),
  unique_authors: z.number(),
  potential_reach: z.number(),
  impressions: z.number(),
  engagements: z.number(),
});
const total = z.object({
  metric: z.enum(METRICS),
  value: z.number().nullable(),
  previous: z.number().nullable(),
  change: z.number().nullable(),
});
export const reportModel = z
  .object({
    definitions_version: z.number().int(),
    definitions: z
      .array(z.number().int())
      .optional()
      .describe(
        'every metric definitions version the period follows (absent in reports built before version 2)',
      ),
    title: z.string(),
    hashtags: z.array(z.string()),
    tz: z.string(),
    period_kind: z.string(),
    period,
    previous_period: period,
    nothing_happened: z.boolean(),
    totals: z.array(total).describe('all networks together; the engagement rate is X’s'),
    partial_metrics: z
      .record(z.string(), z.array(z.enum(NETWORKS)))
      .optional()
      .describe('over all networks: metrics counted only on the networks listed'),
    networks: z
      .array(
        z.object({
          network: z.enum(NETWORKS),
          name: z.string(),
          totals: z.array(total),
          missing: z.array(z.enum(METRICS)).describe('metrics the network does not publish: null, never 0'),
        }),
      )
      .optional()
      .describe(
        'a section per network with posts in either period (absent in reports built before networks)',
      ),
    series: z.object({ grain: z.string(), points: z.array(metricsRow) }),
    peak: z.object({ from: z.string(), to: z.string(), posts: z.number() }).nullable(),
    top_posts: z.array(z.record(z.string(), z.unknown())),
    top_authors: z.array(z.record(z.string(), z.unknown())),
    cohashtags: z.array(z.object({ tag: z.string(), posts: z.number() })),
    languages: z.array(z.object({ lang: z.string(), posts: z.number() })),
    alerts: z.array(z.record(z.string(), z.unknown())),
    coverage: z.array(z.record(z.string(), z.unknown())),
    gaps: z.array(z.record(z.string(), z.unknown())),
    data_as_of: z.string().nullable(),
    generated_at: z.string(),
  })
  .describe('the report: every other form is rendered from it');
const delivery = z.object({
  channel: z
    .string()
    .describe('email:<recipients> or webhook:<url> for admin keys; the domains or the host for read keys'),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  sent_at: z.string().nullable(),
  next_attempt_at: z.string().nullable().describe('when a pending delivery is tried again'),
});
export const reportSummary = z.object({
  id: z.string(),
  schedule_id: z.string().nullable(),
  period,
  tz: z.string(),
  period_kind: z.string(),
  hashtags: z.array(z.string()),
  status: z
    .enum(['skipped', 'stored', 'pending', 'delivered', 'failed'])
    .describe(
      'skipped: nothing happened and the schedule sends only when something did; stored: nowhere to send; else the worst delivery',
    ),
  skipped_reason: z.string().nullable(),
  created_at: z.string(),
  deliveries: z.array(delivery),
});
const HTML_TYPE = 'text/html; charset=utf-8';
/** A 200 that is the report's HTML, its series' CSV (added from `format`) or JSON. */
export const documentResponse = (json: z.ZodType) => ({
  description: 'the report as HTML, CSV (its series) or JSON',
  content: { 'application/json': { schema: json }, 'text/html': { schema: z.string() } },
});

type Summary = z.infer<typeof reportSummary>;

export function summaries(
  rows: Omit<ReportRow, 'chart_png' | 'model'>[],
  deliveries: reportsRepository.ReportDelivery[],
  scope: ApiKeyScope,
): Summary[] {
  return rows.map((r) => {
    const own = deliveries.filter((d) => d.report_id === r.id);
    const status: Summary['status'] = r.skipped_reason
      ? 'skipped'
      : own.length === 0
        ? 'stored'
        : own.some((d) => d.status === 'failed')
          ? 'failed'
          : own.some((d) => d.status === 'pending')
            ? 'pending'
            : 'delivered';
    return {
      id: String(r.id),
      schedule_id: r.schedule_id,
      period: { from: formatInZone(r.period_start, r.tz), to: formatInZone(r.period_end, r.tz) },
      tz: r.tz,
      period_kind: r.period_kind,
      hashtags: r.hashtags,
      status,
      skipped_reason: r.skipped_reason,
      created_at: formatInZone(r.created_at, r.tz),
      deliveries: own.map((d) => ({
        channel: channelView(d.channel, scope),
        status: d.status,
        attempts: d.attempts,
        last_error: deliveryErrorView(d.last_error, d.channel, scope),
        sent_at: d.sent_at ? formatInZone(d.sent_at, r.tz) : null,
        next_attempt_at: d.next_attempt_at ? formatInZone(d.next_attempt_at, r.tz) : null,
      })),
    };
  });
}

/** Sends a report in the asked form; HTML carries its chart as a data: URI, so the file stands alone. */
export function sendReport(
  reply: FastifyReply,
  form: 'html' | 'csv' | 'json',
  model: ReportModel,
  chartPng: Buffer,
  stem: string,
  json: () => unknown,
) {
  if (form === 'html') {
    const chartSrc = `data:image/png;base64,${chartPng.toString('base64')}`;
    return reply.type(HTML_TYPE).send(renderReportHtml(model, { chartSrc }));
  }
  if (form === 'csv') {
    reply.header('content-disposition', `attachment; filename="${stem}.csv"`);
    return reply.type(CSV_TYPE).send(renderReportCsv(model));
  }
  return json();
}
