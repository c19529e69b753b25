import {
  bucketStarts,
  DEFINITIONS_VERSION,
  formatInZone,
  type Grain,
  isMetric,
  METRICS,
  type Metric,
  type MetricValues,
  maxBucketCount,
  metricValue,
  storedMetricsFor,
  toCsv,
  ZERO_METRICS,
} from '@tagpulse/core';
import { rollupsRepository } from '@tagpulse/db';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CSV_TYPE, sendText, wantsCsv } from '../csv.js';
import type { ApiDeps } from '../deps.js';
import {
  intervalParam,
  parseRange,
  parseTz,
  periodQuery,
  resolveScope,
  type Scope,
  tableFormat,
} from '../params.js';
import { badParam, problems } from '../problem.js';
import { cachedAnswer } from '../response-cache.js';

/** The most points one series may have; past it the client should take a coarser interval. */
export const MAX_POINTS = 100_000;

const point = z.object({ t: z.string(), value: z.number().nullable() });
const seriesResponse = z.object({
  hashtag: z.string(),
  interval: intervalParam,
  tz: z.string(),
  from: z.string(),
  to: z.string(),
  definitions_version: z.number().int(),
  series: z.array(z.object({ metric: z.enum(METRICS), points: z.array(point) })),
});

function parseMetrics(value: string | string[]): Metric[] {
  const names = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim());
  const unknown = names.find((n) => !isMetric(n));
  if (unknown !== undefined) {
    throw badParam('metric', `unknown metric ${JSON.stringify(unknown)}; one of ${METRICS.join(', ')}`);
  }
  return [...new Set(names as Metric[])];
}

/**
 * Refuses a series of more than {@link MAX_POINTS} points. The bound is exact
 * for 5 minutes and at most twice the count otherwise, so the buckets are
 * listed only when it is past the limit (the answer may be cached: listing
 * them is then the route's largest cost).
 */
function checkPointCount(from: Date, to: Date, grain: Grain, tz: string): void {
  const bound = maxBucketCount(from, to, grain);
  if (bound <= MAX_POINTS) return;
  const count = bound <= 2 * MAX_POINTS ? bucketStarts(from, to, grain, tz).length : bound;
  if (count > MAX_POINTS) {
    throw badParam(
      'interval',
      `${count} points from ${from.toISOString()} to ${to.toISOString()} at ${grain}; at most ${MAX_POINTS}: narrow from/to or take a coarser interval`,
    );
  }
}

// Kept encoded: a cached 90-day hourly series is 100 KB, and encoding it to UTF-8 on every
// answer was most of the route's remaining time.
const encode = (text: string): Buffer => Buffer.from(text, 'utf8');

// Zones being back-filled by this process: one back-fill per zone, whatever the requests.
const backfilling = new Set<string>();

/**
 * The stored values of a series; in a zone whose rows are not ready yet (first
 * asked for, or still back-filling), computed from the posts of the range while
 * the zone's history is back-filled in the background.
 */
async function seriesValues(
  deps: ApiDeps,
  scope: Scope,
  q: { grain: Grain; tz: string; from: Date; to: Date; starts: Date[]; metrics: Metric[] },
): Promise<Map<number, Partial<MetricValues>>> {
  const { grain, tz, from, to, starts } = q;
  if (!rollupsRepository.needsZone(grain, tz) || (await rollupsRepository.zoneReady(deps.db, tz))) {
    return rollupsRepository.readSeries(deps.db, {
      scope: scope.scope,
      grain,
      tz,
      from,
      to,
      metrics: storedMetricsFor(q.metrics),
    });
  }
  if (!backfilling.has(tz)) {
    backfilling.add(tz);
    rollupsRepository
      .ensureZone(deps.db, tz)
      .catch((err: unknown) => deps.log.error({ err, tz }, 'zone back-fill failed'))
      .finally(() => backfilling.delete(tz));
  }
  return rollupsRepository.computeSeries(deps.db, {
    scope: scope.scope,
    tags: scope.tags,
    grain,
    tz,
    starts,
  });
}

export function seriesRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/series',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['series'],
        security: [{ bearer: [] }],
        summary: 'zero-filled time series of one or more metrics',
        querystring: z.object({
          ...periodQuery,
          metric: z
            .union([z.string().max(400), z.array(z.string().max(400)).max(20)])
            .default('posts')
            .describe(`comma-separated or repeated: ${METRICS.join(', ')}`),
          interval: intervalParam.default('1h'),
          format: tableFormat,
        }),
        response: { 200: seriesResponse, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const tz = parseTz(q.tz);
      const metrics = parseMetrics(q.metric);
      const { from, to } = parseRange(q, deps.now());
      checkPointCount(from, to, q.interval, tz);
      const scope = await resolveScope(deps, q.hashtag);
      const csv = wantsCsv(request, q.format);
      const text = await cachedAnswer(
        deps.cache,
        reply,
        ['series', scope.scope, q.interval, tz, from, to, metrics, csv],
        async () => {
          const starts = bucketStarts(from, to, q.interval, tz);
          const stored = await seriesValues(deps, scope, {
            grain: q.interval,
            tz,
            from,
            to,
            starts,
            metrics,
          });
          const times = starts.map((t) => formatInZone(t, tz));
          const values = starts.map((t) => stored.get(t.getTime()) ?? ZERO_METRICS);
          if (csv) {
            return encode(
              toCsv(
                ['t', ...metrics],
                times.map((t, i) => [t, ...metrics.map((m) => metricValue(values[i] ?? ZERO_METRICS, m))]),
              ),
            );
          }
          const body: z.infer<typeof seriesResponse> = {
            hashtag: scope.label,
            interval: q.interval,
            tz,
            from: formatInZone(from, tz),
            to: formatInZone(to, tz),
            definitions_version: DEFINITIONS_VERSION,
            series: metrics.map((metric) => ({
              metric,
              points: times.map((t, i) => ({ t, value: metricValue(values[i] ?? ZERO_METRICS, metric) })),
            })),
          };
          // Typed against the schema and checked against the OpenAPI document in the tests; sent as
          // one JSON.stringify because encoding 2 160 points through zod was half of the route's time.
          return encode(JSON.stringify(body));
        },
        { reads: { from, to }, size: (body) => body.byteLength },
      );
      return sendText(reply, csv ? CSV_TYPE : 'application/json; charset=utf-8', text);
    },
  );
}
