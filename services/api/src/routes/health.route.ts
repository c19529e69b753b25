import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { ApiProblem, problems } from '../problem.js';
import type { ReplicaLag } from '../read-pools.js';

const status = z.object({ status: z.literal('ok') });
const ready = status.extend({
  replica: z
    .object({
      lag_bytes: z.number().int().describe('WAL bytes written on the primary and not yet replayed'),
      lag_seconds: z
        .number()
        .describe('seconds since the last replayed commit while replay is behind; 0 caught up'),
    })
    .optional()
    .describe('the read replica (DATABASE_READ_URL), when there is one'),
});

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
        summary: 'PostgreSQL (and its read replica) and Redis answer',
        response: { 200: ready, ...problems() },
      },
    },
    async () => {
      let lag: ReplicaLag | undefined;
      const [postgres, replica, redis] = await Promise.all([
        reachable(() => sql`select 1`.execute(deps.db)),
        reachable(async () => {
          lag = await deps.pools.lag();
        }),
        reachable(() => deps.redis.ping()),
      ]);
      if (!postgres || !replica || !redis) {
        const state = (ok: boolean) => (ok ? 'reachable' : 'unreachable');
        const shown = deps.pools.hasReplica ? `, replica ${state(replica)}` : '';
        throw new ApiProblem(503, `postgres ${state(postgres)}${shown}, redis ${state(redis)}`);
      }
      return {
        status: 'ok' as const,
        ...(lag ? { replica: { lag_bytes: lag.bytes, lag_seconds: lag.seconds } } : {}),
      };
    },
  );
  app.get('/metrics', { config: { scope: 'read' }, schema: { hide: true } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}
