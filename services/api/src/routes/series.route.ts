import {
  bucketStarts,
  formatInZone,
  type Grain,
  isMetric,
  METRICS,
  type Metric,
  type MetricValues,
  maxBucketCount,
  networkMetricValue,
  RATE_NETWORK,
  storedMetricsFor,
  toCsv,
  ZERO_METRICS,
} from '@tagpulse/core';
import { type Database, type RollupNetwork, rollupsRepository } from '@tagpulse/db';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { CSV_TYPE, sendText, wantsCsv } from '../csv.js';
import type { ApiDeps } from '../deps.js';
import {
  intervalParam,
  networkMeta,
  networkMetaSchema,
  networkParam,
  parseRange,
  parseTz,
  periodQuery,
  resolveScope,
  rollupNetworkOf,
  type Scope,
  tableFormat,
} from '../params.js';
import { badParam, problems } from '../problem.js';
import { cachedAnswer } from '../response-cache.js';
import { definitionsOf, definitionsSchema } from '../views.js';

/** The most points one series may have; past it the client should take a coarser interval. */
export const MAX_POINTS = 100_000;

const point = z.object({ t: z.string(), value: z.number().nullable() });
const zoneState = z
  .object({
    status: z
      .enum(['ready', 'building', 'not_registered'])
      .describe(
        "ready: read from stored roll-ups; building: a worker is computing the zone's history (retried until done), meanwhile computed from the posts; not_registered: the zone limit is reached (an admin key registers more), computed from the posts",
      ),
    build_attempts: z.number().int().describe('back-fill tries of the zone so far'),
  })
  .describe("the stored roll-ups of the series' zone");
const seriesResponse = z.object({
  hashtag: z.string(),
  network: networkParam,
  interval: intervalParam,
  tz: z.string(),
  from: z.string(),
  to: z.string(),
  definitions_version: z.number().int().describe('the newest metric definitions the period follows'),
  meta: z.object({ definitions: definitionsSchema, ...networkMetaSchema.shape }),
  zone: zoneState,
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

const READY: rollupsRepository.ZoneStatus = { ready: true, buildAttempts: 0 };

/** Where the rows of a series' zone stand, as the response's `zone` tells it. */
type ZoneState = z.infer<typeof zoneState>;

/**
 * The stored values of a series; in a zone whose rows are not ready yet (first
 * asked for, or still being built by a worker), computed from the posts of the
 * range. A zone asked for the first time is registered for a worker to build,
 * past `ROLLUP_ZONES_MAX` zones only by an admin key: the request itself never
 * does more than its own range.
 */
async function seriesValues(
  deps: ApiDeps,
  db: Kysely<Database>,
  scope: Scope,
  q: {
    network: RollupNetwork;
    grain: Grain;
    tz: string;
    from: Date;
    to: Date;
    starts: Date[];
    metrics: Metric[];
    admin: boolean;
  },
): Promise<{ values: Map<number, Partial<MetricValues>>; zone: ZoneState }> {
  const { network, grain, tz, from, to, starts } = q;
  const needed = rollupsRepository.needsZone(grain, tz);
  const status = needed ? await rollupsRepository.zoneStatus(db, tz) : READY;
  if (status?.ready) {
    const values = await rollupsRepository.readSeries(db, {
      scope: scope.scope,
      network,
      grain,
      tz,
      from,
      to,
      metrics: storedMetricsFor(q.metrics),
    });
    return { values, zone: { status: 'ready', build_attempts: status.buildAttempts } };
  }
  const registration = status
    ? 'known'
    : await rollupsRepository.registerZone(deps.db, tz, {
        max: q.admin ? Number.POSITIVE_INFINITY : deps.zonesMax,
      });
  const values = await rollupsRepository.computeSeries(db, {
    scope: scope.scope,
    network,
    tags: scope.tags,
    grain,
    tz,
    starts,
  });
  return {
    values,
    zone: {
      status: registration === 'full' ? 'not_registered' : 'building',
      build_attempts: status?.buildAttempts ?? 0,
    },
  };
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
      // An admin key may register a zone a read key may not: its answers are its own.
      const admin = rollupsRepository.needsZone(q.interval, tz) && request.apiKey?.scope === 'admin';
      const text = await cachedAnswer(
        deps.cache,
        reply,
        ['series', scope.scope, q.network, q.interval, tz, from, to, metrics, csv, admin],
        async (db) => {
          const starts = bucketStarts(from, to, q.interval, tz);
          const asked = { grain: q.interval, tz, from, to, starts, metrics, admin };
          const network = rollupNetworkOf(q.network);
          // Over all networks the engagement rate is the one network counting impressions'.
          const rateNetwork =
            q.network === 'all' && metrics.includes('engagement_rate') ? RATE_NETWORK : undefined;
          const [{ values: stored, zone }, definitions, rateSeries] = await Promise.all([
            seriesValues(deps, db, scope, { ...asked, network }),
            definitionsOf(db, { scope: scope.scope, from: starts[0] ?? from, to }),
            rateNetwork && seriesValues(deps, db, scope, { ...asked, network: rateNetwork }),
          ]);
          const times = starts.map((t) => formatInZone(t, tz));
          const values = starts.map((t) => stored.get(t.getTime()) ?? ZERO_METRICS);
          const rates = starts.map(
            (t) => rateSeries?.values.get(t.getTime()) ?? (rateSeries ? ZERO_METRICS : undefined),
          );
          const value = (i: number, metric: Metric) =>
            networkMetricValue(q.network, values[i] ?? ZERO_METRICS, metric, rates[i]);
          if (csv) {
            return encode(
              toCsv(
                ['t', ...metrics],
                times.map((t, i) => [t, ...metrics.map((m) => value(i, m))]),
              ),
            );
          }
          const body: z.infer<typeof seriesResponse> = {
            hashtag: scope.label,
            network: q.network,
            interval: q.interval,
            tz,
            from: formatInZone(from, tz),
            to: formatInZone(to, tz),
            definitions_version: Math.max(...definitions.map((d) => d.version)),
            meta: { definitions, ...networkMeta(q.network) },
            zone,
            series: metrics.map((metric) => ({
              metric,
              points: times.map((t, i) => ({ t, value: value(i, metric) })),
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
