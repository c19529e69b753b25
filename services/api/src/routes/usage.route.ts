import { formatInZone } from '@tagpulse/core';
import { budgetRepository, type SpendTotals, spendLedger } from '@tagpulse/db';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { parseTz, tzParam } from '../params.js';
import { problems } from '../problem.js';

const doc = { tags: ['capture'], security: [{ bearer: [] }] };

const totals = z.object({
  usd: z.number().describe('USD billed'),
  requests: z.number(),
  posts_returned: z.number(),
  posts_billed: z.number().describe('posts not read before on the same UTC day: X bills a post once a day'),
  users_billed: z.number(),
  counts_requests: z.number(),
});

/** Money to the micro-dollar, as the ledger stores it. */
const money = (usd: number) => Math.round(usd * 1e6) / 1e6;

function totalsOut(t: SpendTotals): z.infer<typeof totals> {
  return {
    usd: money(t.usd),
    requests: t.requests,
    posts_returned: t.postsReturned,
    posts_billed: t.postsBilled,
    users_billed: t.usersBilled,
    counts_requests: t.countsRequests,
  };
}

export function usageRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/v1/usage',
    {
      config: { scope: 'read' },
      schema: {
        ...doc,
        summary:
          'what capture spent on X: today, this month, the forecast, by query and purpose, beside X’s own count',
        querystring: z.object({
          tz: tzParam,
          days: z.coerce.number().int().min(1).max(90).default(30).describe('days of the per-day list'),
        }),
        response: {
          200: z.object({
            tz: z.string(),
            as_of: z.string().describe('X time of the last request recorded (the capture clock)'),
            currency: z.literal('USD'),
            today: totals.extend({ start: z.string() }),
            month: totals.extend({ start: z.string(), end: z.string() }),
            forecast_usd: z
              .number()
              .describe('this month’s spend plus the last 24 hours’ rate until it ends'),
            budget: z
              .object({
                usd: z.number(),
                used: z.number().describe('spent / budget, to 4 decimals'),
                remaining_usd: z.number(),
                step: z.string().describe('where capture stands in the degradation order'),
              })
              .nullable(),
            by_query: z.array(totals.extend({ query: z.string().nullable(), hashtags: z.array(z.string()) })),
            by_purpose: z.array(totals.extend({ purpose: z.string() })),
            days: z.array(
              z.object({
                day: z.string().describe('UTC day'),
                usd: z.number(),
                posts_billed: z.number(),
                x_posts: z
                  .number()
                  .nullable()
                  .describe('posts X counted that day (GET /2/usage/tweets); null until fetched'),
                disagrees: z.boolean().describe('X’s count differs from ours'),
              }),
            ),
          }),
          ...problems(400, 401, 403, 429),
        },
      },
    },
    async (request) => {
      const tz = parseTz(request.query.tz);
      const asOf = (await spendLedger.lastSpendAt(deps.pools.read)) ?? deps.now();
      const s = await spendLedger.spendSummary(deps.pools.read, { asOf, days: request.query.days });
      const budget = await budgetRepository.currentBudget(deps.pools.read, asOf);
      return {
        tz,
        as_of: formatInZone(s.asOf, tz),
        currency: 'USD' as const,
        today: { ...totalsOut(s.today), start: formatInZone(s.dayStart, tz) },
        month: {
          ...totalsOut(s.month),
          start: formatInZone(s.monthStart, tz),
          end: formatInZone(s.monthEnd, tz),
        },
        forecast_usd: money(s.forecastUsd),
        budget: budget
          ? {
              usd: budget.budgetUsd,
              used: budget.budgetUsd > 0 ? Math.round((s.month.usd / budget.budgetUsd) * 1e4) / 1e4 : 1,
              remaining_usd: money(Math.max(0, budget.budgetUsd - s.month.usd)),
              step: budget.step,
            }
          : null,
        by_query: s.byQuery.map((q) => ({ ...totalsOut(q), query: q.queryKey, hashtags: q.tagKeys })),
        by_purpose: s.byPurpose.map((p) => ({ ...totalsOut(p), purpose: p.purpose })),
        days: s.days.map((d) => ({
          day: d.day.toISOString().slice(0, 10),
          usd: money(d.usd),
          posts_billed: d.postsBilled,
          x_posts: d.xPosts,
          disagrees: d.xPosts !== null && d.xPosts !== d.postsBilled,
        })),
      };
    },
  );
}
