import type { ApiKeyRow, ApiKeyScope } from '@tagpulse/db';
import type { FastifyInstance } from 'fastify';
import { AddressLimit } from './address-limit.js';
import type { ApiDeps } from './deps.js';
import { ApiProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The key scope a route needs; routes without one are public (health, docs). */
    scope?: ApiKeyScope;
  }
  interface FastifyRequest {
    apiKey: ApiKeyRow | null;
  }
}

// Admin keys can do everything read keys can.
const GRANTS: Record<ApiKeyScope, ApiKeyScope[]> = { read: ['read'], admin: ['read', 'admin'] };

// The liveness probe costs nothing and must answer under any load.
const UNLIMITED = new Set(['/healthz']);

/**
 * `Authorization: Bearer <key>` on every route that declares a scope. A
 * request whose key was not verified in memory before (no key, a wrong one,
 * a new one; the public routes but /healthz) first counts against its client
 * address's budget, in memory: guessing keys or hammering /readyz costs a
 * counter, then a 429, never an unbounded number of database reads.
 */
export function registerAuth(app: FastifyInstance, deps: ApiDeps): void {
  const perAddress = new AddressLimit(deps.rateLimit.perAddress, deps.rateLimit.windowMs);
  app.decorateRequest('apiKey', null);
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const token = /^Bearer ([^\s]{1,200})$/i.exec(header)?.[1];
    const known = token ? deps.keys.known(token) : undefined;
    // A key verified before and due to be read again is no stranger: under load, every request in
    // flight while it is read again would otherwise count, and a busy key exhaust its address's budget.
    const stranger = !known && !(token && deps.keys.recognised(token));
    if (stranger && !UNLIMITED.has(request.routeOptions.url ?? '')) {
      const taken = perAddress.take(request.ip);
      if (!taken.allowed) {
        reply.header('retry-after', taken.retryAfterSeconds);
        throw new ApiProblem(
          429,
          `more than ${perAddress.max} requests per ${perAddress.windowMs / 1000} s from this address without a verified key; retry in ${taken.retryAfterSeconds} s`,
        );
      }
    }
    const needed = request.routeOptions.config.scope;
    if (!needed) return;
    const key = known ?? (token ? await deps.keys.verify(deps.db, token) : undefined);
    if (!key) {
      reply.header('www-authenticate', 'Bearer realm="tagpulse"');
      throw new ApiProblem(
        401,
        token ? 'the API key is unknown or revoked' : 'send an API key as Authorization: Bearer <key>',
      );
    }
    if (!GRANTS[key.scope].includes(needed)) {
      throw new ApiProblem(403, `this route needs a key with the ${needed} scope; this key has ${key.scope}`);
    }
    request.apiKey = key;
  });
}
