import { formatInZone } from '@tagpulse/core';
import {
  type AlertRow,
  alertRulesRepository,
  alertsRepository,
  deliveriesRepository,
  hashtagsRepository,
  rollupsRepository,
} from '@tagpulse/db';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { channelView, deliveryErrorView } from '../channel-view.js';
import type { ApiDeps } from '../deps.js';
import {
  hashtagParam,
  instantParam,
  MAX_SPAN_DAYS,
  parseRange,
  parseTz,
  resolveScope,
  tzParam,
} from '../params.js';
import { ApiProblem, badParam, problems } from '../problem.js';

const delivery = z.object({
  kind: z.string(),
  channel: z
    .string()
    .describe('webhook:<url> or email:<addresses> for admin keys; the host or the domains for read keys'),
  status: z.enum(['pending', 'sending', 'sent', 'failed']),
  attempts: z.number(),
  last_error: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
  sent_at: z.string().nullable(),
});

const alert = z.object({
  id: z.number(),
  rule_id: z.string(),
  hashtag: z.string(),
  kind: z.enum(['spike', 'stalled']),
  status: z.enum(['pending', 'firing', 'resolved']),
  metric: z.string().nullable(),
  summary: z.string(),
  started_at: z.string(),
  triggered_at: z.string().nullable(),
  resolved_at: z.string().nullable(),
  observed: z.number().nullable(),
  expected: z.number().nullable(),
  band: z.object({ lower: z.number(), upper: z.number() }).nullable(),
  score: z.number().nullable(),
  peak: z.number().nullable(),
  expected_event: z.string().nullable(),
  acknowledged_at: z.string().nullable(),
  acknowledged_by: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  deliveries: z.array(delivery),
});

const round = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);

export function alertsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const doc = { tags: ['alerts'], security: [{ bearer: [] }] };
  const idParams = z.object({ id: z.coerce.number().int().positive() });

  async function present(
    request: FastifyRequest,
    rows: AlertRow[],
    tz: string,
  ): Promise<z.infer<typeof alert>[]> {
    const scope = request.apiKey?.scope ?? 'read';
    const [deliveries, rules, tags] = await Promise.all([
      deliveriesRepository.forAlerts(
        deps.pools.read,
        rows.map((r) => r.id),
      ),
      alertRulesRepository.listRules(deps.pools.read),
      hashtagsRepository.listHashtags(deps.pools.read),
    ]);
    const metricOf = new Map(rules.map((r) => [r.id, r.metric]));
    const display = new Map(tags.map((t) => [t.tag_key, t.display]));
    const at = (d: Date | null) => (d === null ? null : formatInZone(d, tz));
    return rows.map((r) => {
      const hashtag = r.series === rollupsRepository.ALL_SCOPE ? 'all' : (display.get(r.series) ?? r.series);
      const metric = metricOf.get(r.rule_id) ?? null;
      const summary =
        r.kind === 'stalled'
          ? `capture of #${hashtag} stalled`
          : `${round(r.observed)} ${metric} on #${hashtag}, expected ${round(r.expected)}${r.expected_event ? ` (${r.expected_event})` : ''}`;
      return {
        id: r.id,
        rule_id: r.rule_id,
        hashtag,
        kind: r.kind,
        status: r.status,
        metric,
        summary,
        started_at: formatInZone(r.started_at, tz),
        triggered_at: at(r.fired_at),
        resolved_at: at(r.resolved_at),
        observed: r.observed,
        expected: r.expected,
        band: r.lower === null || r.upper === null ? null : { lower: r.lower, upper: r.upper },
        score: r.score,
        peak: r.peak,
        expected_event: r.expected_event,
        acknowledged_at: at(r.acknowledged_at),
        acknowledged_by: r.acknowledged_by,
        details: (r.details ?? {}) as Record<string, unknown>,
        deliveries: deliveries
          .filter((d) => d.alert_id === r.id)
          .map((d) => ({
            kind: d.kind,
            channel: channelView(d.channel_key, scope),
            status: d.status,
            attempts: d.attempts,
            last_error: deliveryErrorView(d.last_error, d.channel_key, scope),
            next_attempt_at: d.status === 'pending' ? at(d.next_attempt_at) : null,
            sent_at: at(d.sent_at),
          })),
      };
    });
  }
  /** The alert with this id, or a 404: read from `db`, the primary when a write follows. */
  async function found(id: number, db = deps.db): Promise<AlertRow> {
    const row = await alertsRepository.getAlert(db, id);
    if (!row) throw new ApiProblem(404, `no alert ${id}`);
    return row;
  }

  api.get(
    '/v1/alerts',
    {
      config: { scope: 'read' },
      schema: {
        ...doc,
        summary: 'alert history, newest first, with each notice’s deliveries',
        querystring: z.object({
          hashtag: hashtagParam.optional(),
          rule: z.uuid().optional(),
          status: z.enum(['pending', 'firing', 'resolved']).optional(),
          kind: z.enum(['spike', 'stalled']).optional(),
          from: instantParam
            .optional()
            .describe(`episodes started at or after; at most ${MAX_SPAN_DAYS} days before \`to\``),
          to: instantParam.optional().describe('episodes started before'),
          tz: tzParam,
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: {
          200: z.object({ tz: z.string(), alerts: z.array(alert) }),
          ...problems(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const tz = parseTz(q.tz);
      const range = q.from || q.to ? parseRange(q, deps.now()) : undefined;
      const series = q.hashtag ? (await resolveScope(deps, q.hashtag)).scope : undefined;
      const rows = await alertsRepository.listAlerts(deps.pools.read, {
        ruleId: q.rule,
        series,
        status: q.status,
        kind: q.kind,
        from: range?.from,
        to: range?.to,
        limit: q.limit,
      });
      return { tz, alerts: await present(request, rows, tz) };
    },
  );

  api.get(
    '/v1/alerts/:id',
    {
      config: { scope: 'read' },
      schema: {
        ...doc,
        summary: 'one alert, with its explanation and deliveries',
        params: idParams,
        querystring: z.object({ tz: tzParam }),
        response: { 200: alert, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) =>
      (
        await present(request, [await found(request.params.id, deps.pools.read)], parseTz(request.query.tz))
      )[0]!,
  );

  api.post(
    '/v1/alerts/:id/acknowledge',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'acknowledge an alert: someone is on it, no more reminders',
        params: idParams,
        body: z
          .object({ by: z.string().min(1).max(200).optional() })
          .strict()
          .optional(),
        response: { 200: alert, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      await found(request.params.id);
      const by = request.body?.by ?? `api key ${request.apiKey?.name ?? request.apiKey?.id ?? '?'}`;
      const row = await alertsRepository.acknowledge(deps.db, request.params.id, by, deps.now());
      return (await present(request, [row!], 'UTC'))[0]!;
    },
  );

  api.post(
    '/v1/alerts/:id/silence',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'silence the alert’s rule on its series until a time: no notices meanwhile',
        params: idParams,
        body: z.object({ until: instantParam, reason: z.string().max(500).optional() }).strict(),
        response: {
          200: z.object({
            rule_id: z.string(),
            silence: z.object({
              from: z.string(),
              to: z.string(),
              series: z.string(),
              reason: z.string().optional(),
            }),
          }),
          ...problems(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      const row = await found(request.params.id);
      const now = deps.now();
      const until = parseRange({ from: now.toISOString(), to: request.body.until }, now, null).to;
      if (until <= now) throw badParam('until', 'must be in the future');
      const silence = {
        from: now.toISOString(),
        to: until.toISOString(),
        series: row.series,
        ...(request.body.reason ? { reason: request.body.reason } : {}),
      };
      if (!(await alertRulesRepository.addSilence(deps.db, row.rule_id, silence))) {
        throw new ApiProblem(404, `the rule of alert ${row.id} is gone`);
      }
      return { rule_id: row.rule_id, silence };
    },
  );
}
