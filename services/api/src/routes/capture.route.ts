import { ALL_NETWORKS, formatInZone } from '@tagpulse/core';
import {
  budgetRepository,
  coverageRepository,
  cursorsRepository,
  gapsRepository,
  spendLedger,
} from '@tagpulse/db';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendCsv, wantsCsv } from '../csv.js';
import type { ApiDeps } from '../deps.js';
import {
  hashtagParam,
  networkParam,
  parseRange,
  parseTz,
  periodQuery,
  resolveScope,
  tableFormat,
  tzParam,
} from '../params.js';
import { problems } from '../problem.js';

const doc = { tags: ['capture'], security: [{ bearer: [] }] };
const at = (d: Date | null, tz: string) => (d ? formatInZone(d, tz) : null);

export function captureRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  const coverage = z.object({
    hashtag: z.string(),
    hour_start: z.string(),
    captured: z.number(),
    x_count: z.number(),
    ratio: z.number().nullable().describe('captured / x_count; null when X counts nothing'),
    measured_at: z.string(),
  });
  api.get(
    '/v1/coverage',
    {
      config: { scope: 'read' },
      schema: {
        ...doc,
        summary:
          "per hashtag and hour: X posts captured against X's own counts (other networks publish no counts: none for them)",
        querystring: z.object({ ...periodQuery, format: tableFormat }),
        response: {
          200: z.object({ tz: z.string(), coverage: z.array(coverage) }),
          ...problems(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const tz = parseTz(q.tz);
      const { from, to } = parseRange(q, deps.now());
      const scope = await resolveScope(deps, q.hashtag);
      const counted = q.network === 'all' || q.network === 'x';
      const rows = (
        await Promise.all(
          (counted ? scope.tags : []).map((tagKey) =>
            coverageRepository.listCoverage(deps.pools.read, { tagKey, from, to }),
          ),
        )
      )
        .flat()
        .map((r) => ({
          hashtag: r.tag_key,
          hour_start: formatInZone(r.hour_start, tz),
          captured: r.captured,
          x_count: r.x_count,
          ratio: r.ratio,
          measured_at: formatInZone(r.measured_at, tz),
        }));
      if (wantsCsv(request, q.format)) {
        const columns = ['hashtag', 'hour_start', 'captured', 'x_count', 'ratio', 'measured_at'] as const;
        return sendCsv(
          reply,
          [...columns],
          rows.map((r) => columns.map((c) => r[c])),
        );
      }
      return { tz, coverage: rows };
    },
  );

  const gap = z.object({
    network: z.string().describe('the source that could not see the span'),
    query: z.string(),
    hashtags: z.array(z.string()),
    start: z.string(),
    end: z.string(),
    cause: z.string(),
    detail: z.string().nullable(),
    recorded_at: z.string(),
    filled_by: z.string().nullable().describe('the back-fill that read this span from X’s archive since'),
    filled_at: z.string().nullable(),
  });
  api.get(
    '/v1/gaps',
    {
      config: { scope: 'read' },
      schema: {
        ...doc,
        summary: 'what capture could not reach, and why; shown, never hidden',
        querystring: z.object({
          hashtag: hashtagParam.optional(),
          network: networkParam,
          tz: tzParam,
          format: tableFormat,
        }),
        response: {
          200: z.object({ tz: z.string(), gaps: z.array(gap) }),
          ...problems(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const tz = parseTz(q.tz);
      const scope = q.hashtag === undefined ? undefined : await resolveScope(deps, q.hashtag);
      const tagKey = scope && scope.tags.length === 1 ? scope.tags[0] : undefined;
      const filter = {
        ...(tagKey ? { tagKey } : {}),
        ...(q.network === ALL_NETWORKS ? {} : { network: q.network }),
      };
      const gaps = (await gapsRepository.listGaps(deps.pools.read, filter)).map((g) => ({
        network: g.network,
        query: g.query_key,
        hashtags: g.tag_keys,
        start: formatInZone(g.start_at, tz),
        end: formatInZone(g.end_at, tz),
        cause: g.cause,
        detail: g.detail,
        recorded_at: formatInZone(g.recorded_at, tz),
        filled_by: g.filled_by,
        filled_at: at(g.filled_at, tz),
      }));
      if (wantsCsv(request, q.format)) {
        return sendCsv(
          reply,
          [
            'network',
            'query',
            'hashtags',
            'start',
            'end',
            'cause',
            'detail',
            'recorded_at',
            'filled_by',
            'filled_at',
          ],
          gaps.map((g) => [
            g.network,
            g.query,
            g.hashtags.join(' '),
            g.start,
            g.end,
            g.cause,
            g.detail,
            g.recorded_at,
            g.filled_by,
            g.filled_at,
          ]),
        );
      }
      return { tz, gaps };
    },
  );

  const status = z.object({
    query: z.string(),
    network: z.string(),
    search: z.string(),
    hashtags: z.array(z.string()),
    status: z.string(),
    since_id: z.string().nullable(),
    last_poll_at: z.string().nullable(),
    last_success_at: z.string().nullable(),
    last_error: z.string().nullable(),
    rate_limit_remaining: z.number().nullable(),
    rate_limit_reset_at: z.string().nullable(),
    posts_stored: z.number(),
    posts_rejected: z.number(),
  });
  api.get(
    '/v1/status',
    {
      config: { scope: 'read' },
      schema: {
        ...doc,
        summary: 'capture status per search query (X) or timeline (other networks)',
        querystring: z.object({ network: networkParam, tz: tzParam }),
        response: {
          200: z.object({
            tz: z.string(),
            queries: z.array(status),
            budget: z
              .object({
                month: z.string().describe('billing month (UTC), YYYY-MM'),
                step: z
                  .enum(['normal', 'thin_refresh', 'sparse_coverage', 'slow_polling', 'paused'])
                  .describe(
                    'degradation as spend nears the budget: refreshes thinned (80 %), coverage sparser (90 %), polling slower (95 %), paused (100 %)',
                  ),
                spent_usd: z.number(),
                budget_usd: z.number(),
                paused_at: z.string().nullable(),
              })
              .nullable()
              .describe('the monthly X budget and where capture stands; null without a budget'),
          }),
          ...problems(400, 401, 403, 429),
        },
      },
    },
    async (request) => {
      const tz = parseTz(request.query.tz);
      const { network } = request.query;
      const cursors = await cursorsRepository.listCursors(
        deps.pools.read,
        network === ALL_NETWORKS ? {} : { network },
      );
      const budget = await budgetRepository.currentBudget(
        deps.pools.read,
        (await spendLedger.lastSpendAt(deps.pools.read)) ?? deps.now(),
      );
      return {
        tz,
        budget: budget
          ? {
              month: budget.month.toISOString().slice(0, 7),
              step: budget.step,
              spent_usd: Math.round(budget.spentUsd * 1e6) / 1e6,
              budget_usd: budget.budgetUsd,
              paused_at: at(budget.pausedAt, tz),
            }
          : null,
        queries: cursors.map((c) => ({
          query: c.query_key,
          network: c.network,
          search: c.query,
          hashtags: c.tag_keys,
          status: c.status,
          since_id: c.since_id,
          last_poll_at: at(c.last_poll_at, tz),
          last_success_at: at(c.last_success_at, tz),
          last_error: c.last_error,
          rate_limit_remaining: c.rate_limit_remaining,
          rate_limit_reset_at: at(c.rate_limit_reset_at, tz),
          posts_stored: c.posts_stored,
          posts_rejected: c.posts_rejected,
        })),
      };
    },
  );
}
