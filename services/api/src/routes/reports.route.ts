import {
  CALENDAR_PERIODS,
  type Period,
  periodOfFire,
  previousPeriod,
  previousPeriodOf,
  type ReportModel,
  timingProblems,
} from '@tagpulse/core';
import { reportsRepository, rollupsRepository } from '@tagpulse/db';
import { buildReport, reportFileStem } from '@tagpulse/reports';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
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
import { documentResponse, reportModel, reportSummary, sendReport, summaries } from '../report-views.js';

const format = z.enum(['html', 'csv', 'json']).optional();

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
