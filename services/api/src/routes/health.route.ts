import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { ApiProblem, problems } from '../problem.js';

const status = z.object({ status: z.literal('ok') });

async function reachable(check: () => Promise<unknown>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch {
    return false;
  }
}

export function healthRoutes(app: FastifyInstance, deps: ApiDeps, registry: Registry): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const health = { tags: ['health'], security: [] };
  api.get(
    '/healthz',
    {
      config: { rateLimit: false },
      schema: { ...health, summary: 'the process answers', response: { 200: status } },
    },
    async () => ({ status: 'ok' as const }),
  );
  api.get(
    '/readyz',
    {
      config: { rateLimit: false },
      schema: {
        ...health,
        summary: 'PostgreSQL and Redis answer',
        response: { 200: status, ...problems() },
      },
    },
    async () => {
      const [postgres, redis] = await Promise.all([
        reachable(() => sql`select 1`.execute(deps.db)),
        reachable(() => deps.redis.ping()),
      ]);
      if (!postgres || !redis) {
        const state = (ok: boolean) => (ok ? 'reachable' : 'unreachable');
        throw new ApiProblem(503, `postgres ${state(postgres)}, redis ${state(redis)}`);
      }
      return { status: 'ok' as const };
    },
  );
  app.get('/metrics', { config: { scope: 'read' }, schema: { hide: true } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}
