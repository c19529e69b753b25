import { CALENDAR_PERIODS, formatInZone, nextRun } from '@tagpulse/core';
import { hashtagsRepository, type ReportScheduleRow, reportSchedulesRepository } from '@tagpulse/db';
import {
  checkSchedule,
  createSchedule,
  deleteSchedule,
  REPORT_CHANNELS,
  REPORT_FORMATS,
  type ScheduleInput,
  updateSchedule,
} from '@tagpulse/reports';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { ApiProblem, badParam, problems } from '../problem.js';

const schedule = z.object({
  id: z.string(),
  name: z.string(),
  hashtags: z.array(z.string()).describe('the hashtags reported on together, or `["all"]`'),
  period: z.string().describe('daily, weekly, monthly or a cron expression'),
  send_at: z
    .string()
    .nullable()
    .describe('cron expression of when a calendar period is sent; null: 07:00 after it'),
  tz: z.string(),
  recipients: z.array(z.string()),
  webhooks: z.array(z.string()),
  formats: z.array(z.enum(REPORT_FORMATS)),
  channels: z.array(z.enum(REPORT_CHANNELS)),
  send_when_empty: z.boolean(),
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
  next_run: z
    .object({ at: z.string(), period: z.object({ from: z.string(), to: z.string() }) })
    .nullable()
    .describe('when the schedule fires next and the period that report covers; null when disabled'),
  last_failure: z
    .object({ period: z.object({ from: z.string(), to: z.string() }), error: z.string(), at: z.string() })
    .nullable()
    .describe('the latest period whose report could not be built after every attempt; null once it is'),
});

// Schemas bound the input's size; what the values mean is checked by checkSchedule, which names the field.
const fields = {
  name: z.string().max(200).describe('default: the period and hashtag, e.g. "Daily report: #VirtualCTWeek"'),
  hashtags: z
    .array(z.string().min(1).max(120))
    .min(1)
    .max(50)
    .describe('tracked hashtags (with or without #) reported on together, or `["all"]` (default)'),
  period: z
    .string()
    .min(1)
    .max(120)
    .describe(`${CALENDAR_PERIODS.join(', ')}, or a cron expression (5 fields, or 6 with seconds)`),
  send_at: z
    .string()
    .max(120)
    .nullable()
    .describe(
      'for calendar periods: a cron expression of when to send (default 07:00 local after the period)',
    ),
  tz: z.string().max(64).describe('IANA time zone of the period and of the printed times (default UTC)'),
  recipients: z.array(z.string().max(254)).max(100).describe('e-mail addresses'),
  webhooks: z.array(z.string().max(2_000)).max(20).describe('http(s) URLs that receive the report as JSON'),
  formats: z.array(z.enum(REPORT_FORMATS)).max(3).describe('html (the e-mail body), csv and json (attached)'),
  channels: z
    .array(z.enum(REPORT_CHANNELS))
    .max(2)
    .describe('default: email when there are recipients, webhook when there are webhooks'),
  send_when_empty: z.boolean().describe('send even when nothing was posted in the period (default false)'),
  enabled: z.boolean(),
};
const createBody = z
  .object({
    ...fields,
    period: fields.period,
    name: fields.name.optional(),
    hashtags: fields.hashtags.default(['all']),
    send_at: fields.send_at.optional(),
    tz: fields.tz.default('UTC'),
    recipients: fields.recipients.default([]),
    webhooks: fields.webhooks.default([]),
    formats: fields.formats.default(['html']),
    channels: fields.channels.optional(),
    send_when_empty: fields.send_when_empty.default(false),
    enabled: fields.enabled.default(true),
  })
  .strict();
const patchBody = z.object(fields).partial().strict();
const idParams = z.object({ id: z.uuid().describe('schedule id') });

function view(row: ReportScheduleRow, displays: Map<string, string>, now: Date): z.infer<typeof schedule> {
  const show = (d: Date) => formatInZone(d, row.tz);
  const next = row.enabled
    ? nextRun({ period: row.period, sendAt: row.send_at, tz: row.tz }, now)
    : undefined;
  return {
    id: row.id,
    name: row.name,
    hashtags: row.hashtags.length === 0 ? ['all'] : row.hashtags.map((key) => displays.get(key) ?? key),
    period: row.period,
    send_at: row.send_at,
    tz: row.tz,
    recipients: row.recipients,
    webhooks: row.webhooks,
    formats: row.formats as z.infer<typeof schedule>['formats'],
    channels: row.channels as z.infer<typeof schedule>['channels'],
    send_when_empty: row.send_when_empty,
    enabled: row.enabled,
    created_at: show(row.created_at),
    updated_at: show(row.updated_at),
    next_run: next
      ? { at: show(next.at), period: { from: show(next.period.from), to: show(next.period.to) } }
      : null,
    last_failure:
      row.last_failure_period_start && row.last_failure_period_end && row.last_failure_at
        ? {
            period: { from: show(row.last_failure_period_start), to: show(row.last_failure_period_end) },
            error: row.last_failure_error ?? '',
            at: show(row.last_failure_at),
          }
        : null,
  };
}

/** The row as input again, so a patch is checked as a whole schedule. */
function asInput(row: ReportScheduleRow, displays: Map<string, string>): ScheduleInput {
  const { next_run: _, ...v } = view(row, displays, new Date(0));
  return v;
}

export function reportSchedulesRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const doc = { tags: ['reports'], security: [{ bearer: [] }] };
  const displays = async () => {
    const { value } = await deps.cache.get('hashtags', (db) => hashtagsRepository.listHashtags(db));
    return new Map(value.map((h) => [h.tag_key, h.display]));
  };
  const checked = async (input: ScheduleInput) => {
    const result = await checkSchedule(deps.db, input);
    if (!result.ok) throw badParam(result.problem.field, result.problem.reason);
    return result.row;
  };

  api.get(
    '/v1/report-schedules',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'report schedules',
        response: { 200: z.object({ schedules: z.array(schedule) }), ...problems(401, 403, 429) },
      },
    },
    async () => {
      const names = await displays();
      return {
        schedules: (await reportSchedulesRepository.listSchedules(deps.pools.read)).map((r) =>
          view(r, names, deps.now()),
        ),
      };
    },
  );

  api.post(
    '/v1/report-schedules',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'schedule a report; it runs as a job scheduler in its time zone, one report per period',
        body: createBody,
        response: { 201: schedule, ...problems(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const row = await createSchedule(deps, await checked(request.body));
      return reply.status(201).send(view(row, await displays(), deps.now()));
    },
  );

  api.get(
    '/v1/report-schedules/:id',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'one report schedule',
        params: idParams,
        response: { 200: schedule, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const row = await reportSchedulesRepository.getSchedule(deps.pools.read, request.params.id);
      if (!row) throw new ApiProblem(404, `no report schedule ${request.params.id}`);
      return view(row, await displays(), deps.now());
    },
  );

  api.patch(
    '/v1/report-schedules/:id',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'change a report schedule; its job scheduler follows at once',
        params: idParams,
        body: patchBody,
        response: { 200: schedule, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const names = await displays();
      const current = await reportSchedulesRepository.getSchedule(deps.db, request.params.id);
      if (!current) throw new ApiProblem(404, `no report schedule ${request.params.id}`);
      const patch = Object.fromEntries(Object.entries(request.body).filter(([, v]) => v !== undefined));
      const next = await checked({ ...asInput(current, names), ...patch } as ScheduleInput);
      const row = await updateSchedule(deps, current.id, next);
      if (!row) throw new ApiProblem(404, `no report schedule ${request.params.id}`);
      return view(row, names, deps.now());
    },
  );

  api.delete(
    '/v1/report-schedules/:id',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'delete a report schedule; its reports stay',
        params: idParams,
        response: { 204: z.null().describe('no content'), ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      if (!(await deleteSchedule(deps, request.params.id))) {
        throw new ApiProblem(404, `no report schedule ${request.params.id}`);
      }
      return reply.status(204).send(null);
    },
  );
}
