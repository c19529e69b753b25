import { randomUUID } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { apiKeysRepository, type Database } from '@tagpulse/db';
import { closeQueues, createQueues, createRedis } from '@tagpulse/queue';
import { createLogger, loadSharedEnv } from '@tagpulse/runtime';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { deletePrefix, testPrefix } from '@tagpulse/testkit/queue';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { buildApp } from '../app.js';
import { startCaches } from '../caches.js';
import type { ApiDeps } from '../deps.js';
import { ReadPools } from '../read-pools.js';

export interface TestApp {
  app: FastifyInstance;
  testDb: TestDatabase;
  redis: Redis;
  keys: { read: string; admin: string };
  /** Injects a request, checks the response against the app's own OpenAPI document, returns it. */
  call(
    method: 'GET' | 'POST' | 'DELETE',
    route: string,
    options?: {
      params?: Record<string, string>;
      query?: Record<string, string | string[]>;
      key?: string | null;
      headers?: Record<string, string>;
      body?: unknown;
    },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

type Doc = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
};

/**
 * The API over a fresh test database (or `database`, with `replica` as its read pool) and the
 * real Redis, with a read and an admin key. Every response a test gets through `call` is
 * validated against the OpenAPI document the app serves, itself validated first.
 */
export async function startTestApp(
  overrides: Partial<ApiDeps> = {},
  { database, replica }: { database?: TestDatabase; replica?: Kysely<Database> } = {},
): Promise<TestApp> {
  const env = loadSharedEnv();
  const testDb = database ?? (await createTestDatabase());
  const redis = createRedis(env.REDIS_URL, 'producer', () => {});
  await new Promise((resolve) => redis.once('ready', resolve));
  const log = createLogger({ service: 'api-test', level: 'silent' });
  // The queues routes create (alerts, reports) live under it, and go with the app.
  const queuePrefix = overrides.queuePrefix ?? testPrefix();
  const queues = overrides.queues ?? createQueues(redis, queuePrefix, () => {});
  // A test handing in its own primary (a pool with a statement timeout, say) reads through it too.
  const pools = overrides.pools ?? new ReadPools(overrides.db ?? testDb.db, replica);
  const caches = await startCaches({ url: testDb.url, maxBytes: 16 * 1024 * 1024, log, pools });
  const app = await buildApp({
    db: testDb.db,
    pools,
    cache: caches.answers,
    keys: caches.keys,
    zonesMax: 16,
    redis,
    log,
    now: () => new Date('2020-07-13T04:00:00Z'),
    rateLimit: { max: 10_000, windowMs: 60_000, nameSpace: `test-${randomUUID()}-`, perAddress: 10_000 },
    corsOrigins: [],
    queuePrefix,
    queues,
    previewConcurrency: 2,
    queueCounts: async () => ({ 'capture-poll': { waiting: 2, active: 1 } }),
    ...overrides,
  });
  await app.ready();
  const keys = {
    read: (await apiKeysRepository.createApiKey(testDb.db, { scope: 'read' })).key,
    admin: (await apiKeysRepository.createApiKey(testDb.db, { scope: 'admin' })).key,
  };

  const raw = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const result = await new Validator().validate(structuredClone(raw));
  if (!result.valid) throw new Error(`the OpenAPI document is invalid: ${JSON.stringify(result.errors)}`);
  const doc = raw as Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const compiled = new Map<object, ReturnType<typeof ajv.compile>>();

  return {
    app,
    testDb,
    redis,
    keys,
    async call(method, route, { params = {}, query, key = keys.read, headers = {}, body } = {}) {
      const path = route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
      const res = await app.inject({
        method,
        url: path,
        ...(query ? { query } : {}),
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      const operation = doc.paths[route]?.[method.toLowerCase()];
      if (!operation) throw new Error(`${method} ${route} is not in the OpenAPI document`);
      const response = operation.responses[String(res.statusCode)];
      if (!response)
        throw new Error(`${method} ${route} answered ${res.statusCode}, undocumented: ${res.body}`);
      const type = String(res.headers['content-type'] ?? '').split(';')[0] ?? '';
      if (res.statusCode === 204) return res;
      const media = response.content?.[type];
      if (!media) throw new Error(`${method} ${route} ${res.statusCode} answered ${type}, undocumented`);
      if (type === 'application/json' || type === 'application/problem+json') {
        const validate = compiled.get(media.schema) ?? ajv.compile(media.schema);
        compiled.set(media.schema, validate);
        if (!validate(res.json())) {
          throw new Error(
            `${method} ${route} ${res.statusCode} does not match its schema: ${ajv.errorsText(validate.errors)}`,
          );
        }
      }
      return res;
    },
    async close() {
      await app.close();
      await closeQueues(queues);
      await caches.close();
      await deletePrefix(redis, queuePrefix);
      redis.disconnect();
      await testDb.drop();
    },
  };
}
