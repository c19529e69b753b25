import { backfillProgress, formatInZone, parseBackfillSpec } from '@tagpulse/core';
import { type BackfillRow, backfillsRepository } from '@tagpulse/db';
import { closeQueues, createQueues, nudge } from '@tagpulse/queue';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { instantParam, parseTz, tzParam } from '../params.js';
import { ApiProblem, badParam, problems } from '../problem.js';

const doc = { tags: ['capture'], security: [{ bearer: [] }] };
/** How long a request waits for a worker's estimate before answering 202 `estimating`. */
const ESTIMATE_WAIT_MS = 20_000;

const backfill = z.object({
  id: z.string(),
  query: z.string(),
  hashtags: z.array(z.string()),
  from: z.string(),
  to: z.string(),
  status: z
    .enum(['estimating', 'refused', 'estimated', 'running', 'done', 'failed'])
    .describe(
      'estimating → running → done; or refused (over max_usd or the budget), estimated (estimate only), failed',
    ),
  max_usd: z.number().nullable(),
  estimate: z
    .object({
      posts: z.number().describe('X’s own count of the span’s posts (counts/all)'),
      requests: z.number().describe('search/all pages plus the counts/all requests made'),
      usd: z.number().describe('at the configured prices, counts requests included'),
      seconds: z.number().describe('X time the pages take at the archive’s 1 request per second'),
    })
    .nullable(),
  progress: z.object({
    posts_done: z.number(),
    posts_estimated: z.number().nullable(),
    fraction: z.number().nullable(),
    pages: z.number(),
    spent_usd: z.number().describe('what the spend ledger holds for this back-fill'),
    requests: z.number(),
    eta_seconds: z.number().nullable().describe('X time left at the archive’s rate; null unless running'),
  }),
  error: z.string().nullable().describe('why it was refused or failed'),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});

function view(b: BackfillRow, tz: string): z.infer<typeof backfill> {
  const at = (d: Date | null) => (d ? formatInZone(d, tz) : null);
  const p = backfillProgress(b);
  return {
    id: b.id,
    query: b.query,
    hashtags: b.tagKeys,
    from: formatInZone(b.from, tz),
    to: formatInZone(b.to, tz),
    status: b.status,
    max_usd: b.maxUsd,
    estimate: b.estimate,
    progress: {
      posts_done: p.postsDone,
      posts_estimated: p.postsEstimated,
      fraction: p.fraction,
      pages: b.pages,
      spent_usd: Math.round(b.spent.usd * 1e6) / 1e6,
      requests: b.spent.requests,
      eta_seconds: p.etaSeconds,
    },
    error: b.error,
    created_at: formatInZone(b.createdAt, tz),
    started_at: at(b.startedAt),
    finished_at: at(b.finishedAt),
  };
}

export function backfillsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const queues = createQueues(deps.redis, deps.queuePrefix, (err) => deps.log.error({ err }, 'queue error'));
  app.addHook('onClose', () => closeQueues(queues));

  api.post(
    '/v1/backfills',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary:
          'back-fill past posts from X’s full archive: estimated from counts/all first, refused above max_usd or the budget’s remainder',
        querystring: z.object({ tz: tzParam }),
        body: z
          .object({
            hashtags: z.array(z.string().max(120)).min(1).max(50),
            from: instantParam,
            to: instantParam,
            max_usd: z.number().optional().describe('refuse if the estimate is higher'),
            estimate_only: z.boolean().default(false).describe('estimate, then stop'),
          })
          .strict(),
        response: {
          200: backfill.describe('estimate only: the estimate'),
          202: backfill.describe('accepted: running (or still estimating)'),
          ...problems(400, 401, 403, 429),
        },
      },
    },
    async (request, reply) => {
      const tz = parseTz(request.query.tz);
      const body = request.body;
      const parsed = parseBackfillSpec({
        hashtags: body.hashtags,
        from: body.from,
        to: body.to,
        maxUsd: body.max_usd,
        estimateOnly: body.estimate_only,
      });
      if (!parsed.ok) throw badParam(parsed.param, parsed.reason);
      const created = await backfillsRepository.createBackfill(deps.db, parsed.spec);
      await nudge(queues, 'run-backfill', { backfillId: created.id });
      const b = await backfillsRepository.waitWhileEstimating(deps.db, created.id, ESTIMATE_WAIT_MS);
      if (!b) throw new ApiProblem(404, `no back-fill ${created.id}`);
      if (b.status === 'refused') {
        const overMax = b.maxUsd !== null && b.estimate !== null && b.estimate.usd > b.maxUsd;
        const detail = `back-fill ${b.id} refused: ${b.error}`;
        throw overMax ? badParam('max_usd', detail) : new ApiProblem(400, detail);
      }
      if (b.status === 'failed') throw new ApiProblem(400, `back-fill ${b.id} failed: ${b.error}`);
      return reply.status(b.status === 'estimated' ? 200 : 202).send(view(b, tz));
    },
  );

  api.get(
    '/v1/backfills',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'back-fills, newest first, with their estimate and progress',
        querystring: z.object({ tz: tzParam }),
        response: { 200: z.object({ backfills: z.array(backfill) }), ...problems(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const tz = parseTz(request.query.tz);
      return {
        backfills: (await backfillsRepository.listBackfills(deps.pools.read)).map((b) => view(b, tz)),
      };
    },
  );

  api.get(
    '/v1/backfills/:id',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'one back-fill: estimate, progress (posts done of estimated, spend, ETA), outcome',
        params: z.object({ id: z.uuid().describe('back-fill id') }),
        querystring: z.object({ tz: tzParam }),
        response: { 200: backfill, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const tz = parseTz(request.query.tz);
      const b = await backfillsRepository.getBackfill(deps.pools.read, request.params.id);
      if (!b) throw new ApiProblem(404, `no back-fill ${request.params.id}`);
      return view(b, tz);
    },
  );
}
