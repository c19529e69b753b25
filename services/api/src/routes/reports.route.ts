// Over 300 lines on purpose: the three /v1/reports routes share one request schema and one view of a
// stored report, which would otherwise be exported for the sake of a split.
import {
  CALENDAR_PERIODS,
  formatInZone,
  METRICS,
  type Period,
  periodOfFire,
  previousPeriod,
  previousPeriodOf,
  type ReportModel,
  renderReportCsv,
  renderReportHtml,
  timingProblems,
} from '@tagpulse/core';
import { type ApiKeyScope, type ReportRow, reportsRepository, rollupsRepository } from '@tagpulse/db';
import { buildReport, reportFileStem } from '@tagpulse/reports';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { channelView, deliveryErrorView } from '../channel-view.js';
import { CSV_TYPE } from '../csv.js';
import type { ApiDeps } from '../deps.js';
import {
  checkSpan,
  hashtagParam,
  instantParam,
  MAX_SPAN_DAYS,
  parseRange,
  parseTz,
  resolveScope,
  tzParam,
} from '../params.js';
import { ApiProblem, badParam, problems } from '../problem.js';

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
const reportModel = z
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
    totals: z.array(
      z.object({
        metric: z.enum(METRICS),
        value: z.number().nullable(),
        previous: z.number().nullable(),
        change: z.number().nullable(),
      }),
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
const reportSummary = z.object({
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
const format = z.enum(['html', 'csv', 'json']).optional();
const HTML_TYPE = 'text/html; charset=utf-8';
/** A 200 that is the report's HTML, its series' CSV (added from `format`) or JSON. */
const documentResponse = (json: z.ZodType) => ({
  description: 'the report as HTML, CSV (its series) or JSON',
  content: { 'application/json': { schema: json }, 'text/html': { schema: z.string() } },
});

type Summary = z.infer<typeof reportSummary>;

function summaries(
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
function sendReport(
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

/** Seconds a client refused for want of a preview slot is told to wait: about one preview's time. */
const PREVIEW_RETRY_SECONDS = 5;

export function reportsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const doc = { tags: ['reports'], security: [{ bearer: [] }] };
  // A preview builds a whole report and draws its chart in this process: a few at a time.
  let previewing = 0;

  api.get(
    '/v1/reports',
    {
      config: { scope: 'read' },
      schema: {
        ...doc,
        summary: 'stored reports, newest first, with the status of each delivery',
        querystring: z.object({
          schedule_id: z.uuid().optional(),
          before: z
            .string()
            .regex(/^\d{1,18}$/)
            .optional()
            .describe('list reports older than this id'),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ reports: z.array(reportSummary) }), ...problems(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await reportsRepository.listReports(deps.pools.read, {
        scheduleId: q.schedule_id,
        beforeId: q.before === undefined ? undefined : Number(q.before),
        limit: q.limit,
      });
      const deliveries = await reportsRepository.deliveriesOf(
        deps.pools.read,
        rows.map((r) => r.id),
      );
      return { reports: summaries(rows, deliveries, request.apiKey?.scope ?? 'read') };
    },
  );

  api.get(
    '/v1/reports/preview',
    {
      config: { scope: 'read' },
      schema: {
        ...doc,
        summary: 'build a report for any period without storing or sending it',
        description: `A period longer than ${MAX_SPAN_DAYS} days is a 400. A few previews are built at once per API process (API_PREVIEW_CONCURRENCY); past that the answer is a 503 with Retry-After.`,
        querystring: z.object({
          hashtag: hashtagParam.default('all'),
          tz: tzParam,
          period: z
            .string()
            .max(120)
            .default('daily')
            .describe(`${CALENDAR_PERIODS.join(', ')} or a cron expression: the period ended by \`at\``),
          at: instantParam
            .optional()
            .describe('the instant the report is built as of (a fire time); default now'),
          from: instantParam
            .optional()
            .describe('with `to`: this period instead, compared with the one as long before it'),
          to: instantParam.optional(),
          format,
        }),
        response: { 200: documentResponse(reportModel), ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const tz = parseTz(q.tz);
      const problem = timingProblems({ period: q.period, tz })[0];
      if (problem) throw badParam(problem.field, problem.reason);
      const scope = await resolveScope(deps, q.hashtag);
      let current: Period;
      let previous: Period;
      if (q.from !== undefined || q.to !== undefined) {
        if (q.from === undefined || q.to === undefined)
          throw badParam('from', 'give both from and to, or neither');
        current = parseRange(q, deps.now());
        previous = previousPeriod(current.from, current.to);
      } else {
        const at = q.at === undefined ? deps.now() : new Date(Date.parse(q.at));
        if (Number.isNaN(at.getTime()))
          throw badParam('at', `expected an ISO 8601 instant, got ${JSON.stringify(q.at)}`);
        current = periodOfFire(q.period, at, tz);
        previous = previousPeriodOf(q.period, current, tz);
      }
      // A cron period can be years long (29 February on a Monday).
      checkSpan(current.from, current.to);
      if (previewing >= deps.previewConcurrency) {
        reply.header('retry-after', PREVIEW_RETRY_SECONDS);
        throw new ApiProblem(
          503,
          `${deps.previewConcurrency} report previews are being built, the most at once; retry in ${PREVIEW_RETRY_SECONDS} s`,
        );
      }
      previewing += 1;
      const { model, chartPng } = await buildReport(deps.pools.read, {
        hashtags: scope.scope === rollupsRepository.ALL_SCOPE ? [] : [scope.scope],
        tz,
        periodKind: q.period,
        period: current,
        previous,
        now: deps.now(),
      }).finally(() => {
        previewing -= 1;
      });
      return sendReport(
        reply,
        q.format ?? 'json',
        model,
        chartPng,
        reportFileStem(undefined, model),
        () => model,
      );
    },
  );

  api.get(
    '/v1/reports/:id',
    {
      config: { scope: 'read' },
      schema: {
        ...doc,
        summary:
          'a stored report as HTML (as e-mailed, chart inline), CSV (its series) or JSON (with its deliveries)',
        params: z.object({
          id: z
            .string()
            .regex(/^\d{1,18}$/)
            .describe('report id'),
        }),
        querystring: z.object({ format }),
        response: {
          200: documentResponse(reportSummary.extend({ report: reportModel })),
          ...problems(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const row = await reportsRepository.getReport(deps.pools.read, Number(request.params.id));
      if (!row) throw new ApiProblem(404, `no report ${request.params.id}`);
      const model = row.model as ReportModel;
      return sendReport(
        reply,
        request.query.format ?? 'json',
        model,
        row.chart_png,
        reportFileStem(row.id, model),
        async () => {
          const [summary] = summaries(
            [row],
            await reportsRepository.deliveriesOf(deps.pools.read, [row.id]),
            request.apiKey?.scope ?? 'read',
          );
          return { ...summary, report: model };
        },
      );
    },
  );
}
