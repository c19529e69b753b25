import type { ApiKeyRow, ApiKeyScope } from '@tagpulse/db';
import { apiKeysRepository } from '@tagpulse/db';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import { ApiProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The key scope a route needs; routes without one are public (health, metrics, docs). */
    scope?: ApiKeyScope;
  }
  interface FastifyRequest {
    apiKey: ApiKeyRow | null;
  }
}

// Admin keys can do everything read keys can.
const GRANTS: Record<ApiKeyScope, ApiKeyScope[]> = { read: ['read'], admin: ['read', 'admin'] };

/**
 * `Authorization: Bearer <key>` on every route that declares a scope. The key
 * is looked up on each request, so a revoked key stops at once.
 */
export function registerAuth(app: FastifyInstance, deps: ApiDeps): void {
  app.decorateRequest('apiKey', null);
  app.addHook('onRequest', async (request, reply) => {
    const needed = request.routeOptions.config.scope;
    if (!needed) return;
    const header = request.headers.authorization ?? '';
    const token = /^Bearer ([^\s]{1,200})$/i.exec(header)?.[1];
    const key = token ? await apiKeysRepository.verifyApiKey(deps.db, token) : undefined;
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
