import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

type Operation = {
  parameters?: { name: string; in: string; schema?: { enum?: string[] } }[];
  responses?: Record<string, { content?: Record<string, unknown> }>;
};

/**
 * Serves the OpenAPI 3 document at /openapi.json and a browsable page at
 * /docs. Routes are described by their zod schemas; the document is then
 * corrected where the schemas cannot say it: errors are problem+json, and
 * routes with a `format` parameter also answer text/csv (or NDJSON).
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'tagpulse API',
        version: '1.0.0',
        description:
          'Hashtag roll-ups and posts. Every time is printed in the requested IANA `tz`; ids are strings.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) => {
      if (!('openapiObject' in documentObject)) return documentObject.swaggerObject;
      const doc = documentObject.openapiObject;
      for (const path of Object.values(doc.paths ?? {})) {
        for (const op of Object.values(path as Record<string, Operation>)) {
          for (const [status, response] of Object.entries(op.responses ?? {})) {
            const json = response.content?.['application/json'];
            if (Number(status) >= 400 && json) response.content = { 'application/problem+json': json };
          }
          const format = op.parameters?.find((p) => p.name === 'format' && p.in === 'query');
          const formats = format?.schema?.enum ?? [];
          const ok = op.responses?.['200'];
          if (ok?.content && formats.includes('csv')) ok.content['text/csv'] = { schema: { type: 'string' } };
          if (ok?.content && formats.includes('ndjson')) {
            ok.content['application/x-ndjson'] = { schema: { type: 'string' } };
          }
        }
      }
      return doc;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { config: { rateLimit: false }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
}
