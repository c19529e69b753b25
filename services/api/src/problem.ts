import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** RFC 9457 problem details; `invalid_params` names the parameter at fault. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  invalid_params: z.array(z.object({ name: z.string(), reason: z.string() })).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

// PostgreSQL's query_canceled: here, the API pool's statement_timeout (API_STATEMENT_TIMEOUT_MS).
const QUERY_CANCELED = '57014';

/** An error a handler throws to answer with a problem document. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly param?: string,
  ) {
    super(detail);
  }
}

/** 400 naming the parameter at fault. */
export function badParam(name: string, reason: string): ApiProblem {
  return new ApiProblem(400, `${name}: ${reason}`, name);
}

/** The problem responses a route may give, for its schema; any route may also fail (500) or lose Redis or Postgres (503). */
export function problems(...statuses: number[]): Record<number, typeof problemSchema> {
  return Object.fromEntries([...statuses, 500, 503].map((s) => [s, problemSchema]));
}

function problem(status: number, detail: string, param?: string): Problem {
  return {
    type: 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...(param ? { invalid_params: [{ name: param, reason: detail }] } : {}),
  };
}

/**
 * Every error leaves as `application/problem+json` with a readable `detail`;
 * unexpected ones are logged and told apart from the client's mistakes
 * without leaking internals.
 */
export function registerProblems(app: FastifyInstance, isRedisReady: () => boolean): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    let body: Problem;
    if (err instanceof ApiProblem) {
      body = problem(err.status, err.detail, err.param);
    } else if (hasZodFastifySchemaValidationErrors(err)) {
      const issue = err.validation[0];
      const path = issue?.instancePath.replace(/^\//, '').split('/')[0];
      const name = path || (err.validationContext === 'body' ? 'body' : 'request');
      body = problem(400, `${name}: ${issue?.message ?? 'invalid'}`, name);
    } else if (err.statusCode === 429) {
      body = problem(429, err.message);
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      body = problem(err.statusCode, err.message);
    } else if ((err as { code?: unknown }).code === QUERY_CANCELED) {
      request.log.warn({ err }, 'statement timeout');
      body = problem(503, 'the question took longer than the API allows a query; ask for a shorter period');
    } else if (!isRedisReady()) {
      request.log.warn({ err }, 'redis unavailable');
      body = problem(503, 'a backing service is unavailable; retry shortly');
    } else {
      request.log.error({ err }, 'request failed');
      body = problem(500, 'the request failed on the server; it has been logged');
    }
    return reply.status(body.status).type('application/problem+json').send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .type('application/problem+json')
      .send(problem(404, `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
