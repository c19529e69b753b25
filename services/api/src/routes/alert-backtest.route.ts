import { backtestRule, GRAIN_MS, NETWORK_FILTERS } from '@tagpulse/core';
import { hashtagsRepository } from '@tagpulse/db';
import { loadRuleSeries, watchedSeries } from '@tagpulse/usecases';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { instantParam, MAX_SPAN_DAYS, parseRange } from '../params.js';
import { badParam, problems } from '../problem.js';
import { ruleOr404 } from './alert-rules.route.js';

/** `POST /v1/alert-rules/:id/backtest`: a rule replayed over stored roll-ups, as the worker would judge them. */
export function alertBacktestRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const doc = { tags: ['alerts'], security: [{ bearer: [] }] };
  const idParams = z.object({ id: z.uuid({ error: 'expected a rule id (uuid)' }) });

  const episode = z.object({
    started_at: z.string(),
    fired_at: z.string().nullable(),
    resolved_at: z.string().nullable(),
    observed: z.number().nullable(),
    expected: z.number().nullable(),
    band: z.object({ lower: z.number(), upper: z.number() }).nullable(),
    peak: z.number(),
    expected_event: z.string().nullable(),
    would_notify_at: z.string().nullable(),
  });

  api.post(
    '/v1/alert-rules/:id/backtest',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary:
          'replay a rule over the stored roll-ups of its network and list when it would have fired; notifies nobody',
        params: idParams,
        querystring: z.object({
          from: instantParam
            .optional()
            .describe(`default \`to\` less 7 days; at most ${MAX_SPAN_DAYS} days before \`to\``),
          to: instantParam.optional().describe('default now'),
        }),
        response: {
          200: z.object({
            rule: z.string(),
            network: z.enum(NETWORK_FILTERS).describe('the network whose series was replayed (the rule’s)'),
            from: z.string(),
            to: z.string(),
            episodes: z.array(episode),
          }),
          ...problems(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      const rule = await ruleOr404(deps.pools.read, request.params.id);
      const { from, to } = parseRange(request.query, deps.now());
      const grainMs = GRAIN_MS[rule.grain];
      if ((to.getTime() - from.getTime()) / grainMs > 100_000) {
        throw badParam('from', 'at most 100 000 buckets per backtest: narrow from/to');
      }
      const { value: hashtags } = await deps.cache.get('hashtags', (db) =>
        hashtagsRepository.listHashtags(db),
      );
      // The series the worker would judge; a hashtag no longer listed still has its stored roll-ups.
      const tags = watchedSeries(rule.scope, hashtags)?.tags ?? [rule.scope];
      // The detector learns from two weeks before `from`, as a live rule would have.
      const warm = new Date(from.getTime() - 14 * 86_400_000);
      const { points } = await loadRuleSeries(deps.pools.read, { rule, tags, from: warm, to });
      const settled = points.filter((p) => p.t + grainMs <= to.getTime());
      const iso = (d: Date | null) => d?.toISOString() ?? null;
      return {
        rule: rule.id,
        network: rule.network,
        from: from.toISOString(),
        to: to.toISOString(),
        episodes: backtestRule(rule, rule.scope, settled, { from, to }).map((e) => ({
          started_at: e.startedAt.toISOString(),
          fired_at: iso(e.firedAt),
          resolved_at: iso(e.resolvedAt),
          observed: e.observed,
          expected: e.expected,
          band: e.lower === null || e.upper === null ? null : { lower: e.lower, upper: e.upper },
          peak: e.peak,
          expected_event: e.expectedEvent,
          would_notify_at: iso(e.notifiedAt),
        })),
      };
    },
  );
}
