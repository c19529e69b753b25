import {
  DISTINCT_COUNTS_ERROR,
  formatInZone,
  METRICS,
  networkMetricValue,
  previousPeriod,
  RATE_NETWORK,
  relativeChange,
} from '@tagpulse/core';
import { insightsRepository } from '@tagpulse/db';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendCsv, wantsCsv } from '../csv.js';
import type { ApiDeps } from '../deps.js';
import {
  networkMeta,
  networkMetaSchema,
  networkParam,
  parseRange,
  parseTz,
  periodQuery,
  resolveScope,
  rollupNetworkOf,
  tableFormat,
} from '../params.js';
import { problems } from '../problem.js';
import { cachedAnswer } from '../response-cache.js';
import { definitionsOf, definitionsSchema } from '../views.js';

const period = z.object({ from: z.string(), to: z.string() });
const summaryResponse = z.object({
  hashtag: z.string(),
  network: networkParam,
  tz: z.string(),
  period,
  previous_period: period,
  definitions_version: z.number().int().describe('the newest metric definitions the period follows'),
  meta: z.object({
    distinct_counts_error: z
      .literal(DISTINCT_COUNTS_ERROR)
      .describe('the error unique_authors and potential_reach can have over a period: none'),
    definitions: definitionsSchema,
    previous_definitions: definitionsSchema.describe('the same for the previous period'),
    ...networkMetaSchema.shape,
  }),
  metrics: z.array(
    z.object({
      metric: z.enum(METRICS),
      value: z.number().nullable(),
      previous: z.number().nullable(),
      change: z.number().nullable().describe('(value - previous) / previous; null when previous is 0'),
    }),
  ),
});

export function summaryRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/summary',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['series'],
        security: [{ bearer: [] }],
        summary: 'totals of a period and of the period of the same length before it, with the change',
        querystring: z.object({ ...periodQuery, format: tableFormat }),
        response: { 200: summaryResponse, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const tz = parseTz(q.tz);
      const { from, to } = parseRange(q, deps.now());
      const scope = await resolveScope(deps, q.hashtag);
      const before = previousPeriod(from, to);
      const network = rollupNetworkOf(q.network);
      // Over all networks the engagement rate is the one network counting impressions'.
      const rateNetwork = q.network === 'all' ? RATE_NETWORK : network;
      const [figures, definitions, previousDefinitions] = await cachedAnswer(
        deps.cache,
        reply,
        ['summary', scope.scope, q.network, from, to],
        (db) =>
          Promise.all([
            // Both periods at once: their slivers' authors (either side of `from`) are read together,
            // and so are their sums in the rate network. The rate is a ratio of sums: the rate
            // network's distinct counts are not needed.
            insightsRepository.periodsFigures(db, { ...scope, network }, [{ from, to }, before], {
              ...(rateNetwork === network ? {} : { sumsIn: rateNetwork }),
            }),
            definitionsOf(db, { scope: scope.scope, from, to }),
            definitionsOf(db, { scope: scope.scope, ...before }),
          ]),
        { reads: { from: before.from, to } },
      );
      const [current, previous] = figures.totals;
      const [rate, previousRate] = figures.sums ?? [];
      const metrics = METRICS.map((metric) => {
        const value = networkMetricValue(q.network, current, metric, rate);
        const prev = networkMetricValue(q.network, previous, metric, previousRate);
        return { metric, value, previous: prev, change: relativeChange(value, prev) };
      });
      if (wantsCsv(request, q.format)) {
        return sendCsv(
          reply,
          ['metric', 'value', 'previous', 'change'],
          metrics.map((m) => [m.metric, m.value, m.previous, m.change]),
        );
      }
      const show = (p: { from: Date; to: Date }) => ({
        from: formatInZone(p.from, tz),
        to: formatInZone(p.to, tz),
      });
      return {
        hashtag: scope.label,
        network: q.network,
        tz,
        period: show({ from, to }),
        previous_period: show(before),
        definitions_version: Math.max(...definitions.map((d) => d.version)),
        meta: {
          distinct_counts_error: DISTINCT_COUNTS_ERROR,
          definitions,
          previous_definitions: previousDefinitions,
          ...networkMeta(q.network),
        },
        metrics,
      };
    },
  );
}
