import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { registerAuth } from './auth.js';
import { dashboardRoutes } from './dashboard/dashboard.route.js';
import type { ApiDeps } from './deps.js';
import { registerMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { registerProblems } from './problem.js';
import { alertBacktestRoutes } from './routes/alert-backtest.route.js';
import { alertRulesRoutes } from './routes/alert-rules.route.js';
import { alertsRoutes } from './routes/alerts.route.js';
import { backfillsRoutes } from './routes/backfills.route.js';
import { captureRoutes } from './routes/capture.route.js';
import { hashtagsRoutes } from './routes/hashtags.route.js';
import { healthRoutes } from './routes/health.route.js';
import { insightsRoutes } from './routes/insights.route.js';
import { postsRoutes } from './routes/posts.route.js';
import { reportSchedulesRoutes } from './routes/report-schedules.route.js';
import { reportsRoutes } from './routes/reports.route.js';
import { seriesRoutes } from './routes/series.route.js';
import { summaryRoutes } from './routes/summary.route.js';
import { usageRoutes } from './routes/usage.route.js';

/** The API, ready to `listen()` or to `inject()` in tests. */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger with more; the app's type keeps fastify's default.
    loggerInstance: deps.log as FastifyBaseLogger,
    // Oversized input is refused before parsing: bodies are tiny hashtag objects.
    bodyLimit: 16 * 1024,
    routerOptions: { maxParamLength: 200 },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblems(app, () => deps.redis.status === 'ready');

  await app.register(helmet);
  if (deps.corsOrigins.length > 0) await app.register(cors, { origin: deps.corsOrigins });
  // Per key after authentication (preHandler), so each key has its own budget; routes without a key
  // count per address. The per-address budget before authentication is the auth hook's.
  await app.register(rateLimit, {
    hook: 'preHandler',
    max: deps.rateLimit.max,
    timeWindow: deps.rateLimit.windowMs,
    redis: deps.redis,
    nameSpace: deps.rateLimit.nameSpace,
    skipOnError: false,
    keyGenerator: (request) => (request.apiKey ? `key-${request.apiKey.id}` : `ip-${request.ip}`),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      message: `rate limit of ${context.max} requests per ${context.after} reached; retry in ${context.after}`,
    }),
  });
  registerAuth(app, deps);
  // Before a write's answer leaves: the writer's next read must show it, replayed or not.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 400) {
      // Unread (the primary just failed), the write's own notice still raises the bar when it comes.
      await deps.pools.wrote().catch(() => {});
    }
    return payload;
  });
  const registry = registerMetrics(app, deps);
  await registerOpenApi(app);

  healthRoutes(app, deps, registry);
  hashtagsRoutes(app, deps);
  seriesRoutes(app, deps);
  summaryRoutes(app, deps);
  insightsRoutes(app, deps);
  postsRoutes(app, deps);
  captureRoutes(app, deps);
  usageRoutes(app, deps);
  backfillsRoutes(app, deps);
  reportSchedulesRoutes(app, deps);
  reportsRoutes(app, deps);
  alertRulesRoutes(app, deps);
  alertBacktestRoutes(app, deps);
  alertsRoutes(app, deps);
  dashboardRoutes(app);
  return app;
}
