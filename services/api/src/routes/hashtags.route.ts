import { formatInZone, parseHashtag } from '@tagpulse/core';
import { type HashtagRow, hashtagsRepository } from '@tagpulse/db';
import { type TrackingChange, trackHashtags, untrackHashtags } from '@tagpulse/usecases';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendCsv, wantsCsv } from '../csv.js';
import type { ApiDeps } from '../deps.js';
import { parseTz, tableFormat, tzParam } from '../params.js';
import { ApiProblem, badParam, problems } from '../problem.js';

const hashtag = z.object({
  tag: z.string().describe('display spelling, without #'),
  key: z.string().describe('case- and accent-folded key'),
  tracked: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

function view(row: HashtagRow, tz: string): z.infer<typeof hashtag> {
  return {
    tag: row.display,
    key: row.tag_key,
    tracked: row.active,
    created_at: formatInZone(row.created_at, tz),
    updated_at: formatInZone(row.updated_at, tz),
  };
}

/** The change's result; this process's own answers change at once (other API processes hear the database's notice). */
function applied<T>(deps: ApiDeps, change: TrackingChange<T>): T {
  deps.cache.apply({ table: 'hashtags' });
  if (change.announceError)
    deps.log.warn({ err: change.announceError }, 'workers will see the hashtag change at their next sync');
  return change.result;
}

export function hashtagsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const doc = { tags: ['hashtags'], security: [{ bearer: [] }] };

  api.get(
    '/v1/hashtags',
    {
      config: { scope: 'read' },
      schema: {
        ...doc,
        summary: 'hashtags, tracked or not any more',
        querystring: z.object({ tz: tzParam, format: tableFormat }),
        response: {
          200: z.object({ tz: z.string(), hashtags: z.array(hashtag) }),
          ...problems(400, 401, 403, 429),
        },
      },
    },
    async (request, reply) => {
      const tz = parseTz(request.query.tz);
      // Through the cache, as every scope reads it: kept until the list changes, read-your-change.
      const { value } = await deps.cache.get('hashtags', (db) => hashtagsRepository.listHashtags(db));
      const rows = value.map((r) => view(r, tz));
      if (wantsCsv(request, request.query.format)) {
        return sendCsv(
          reply,
          ['tag', 'key', 'tracked', 'created_at', 'updated_at'],
          rows.map((r) => [r.tag, r.key, r.tracked, r.created_at, r.updated_at]),
        );
      }
      return { tz, hashtags: rows };
    },
  );

  api.post(
    '/v1/hashtags',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'track a hashtag (again); polling follows without a restart',
        querystring: z.object({ tz: tzParam }),
        body: z.object({ tag: z.string().max(120).describe('with or without #') }).strict(),
        response: { 201: hashtag, ...problems(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const tz = parseTz(request.query.tz);
      const parsed = parseHashtag(request.body.tag);
      if (!parsed.ok) throw badParam('tag', parsed.reason);
      const [row] = applied(deps, await trackHashtags(deps, [parsed]));
      return reply.status(201).send(view(row as HashtagRow, tz));
    },
  );

  api.delete(
    '/v1/hashtags/:tag',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'stop tracking a hashtag; its posts and series stay',
        params: z.object({ tag: z.string().max(120) }),
        response: { 204: z.null().describe('no content'), ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const parsed = parseHashtag(request.params.tag);
      if (!parsed.ok) throw badParam('tag', parsed.reason);
      const [removed] = applied(deps, await untrackHashtags(deps, [parsed.key]));
      if (!removed) throw new ApiProblem(404, `hashtag #${parsed.display} is not tracked`);
      return reply.status(204).send(null);
    },
  );
}
