import { formatInZone } from '@tagpulse/core';
import { type Database, insightsRepository, rollupsRepository } from '@tagpulse/db';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { sendCsv, wantsCsv } from '../csv.js';
import type { ApiDeps } from '../deps.js';
import {
  networkMeta,
  networkMetaSchema,
  networkParam,
  parseRange,
  parseTz,
  periodQuery,
  resolveScope,
  rollupNetworkOf,
  type Scope,
  tableFormat,
} from '../params.js';
import { problems } from '../problem.js';
import { cachedAnswer } from '../response-cache.js';
import { POST_COLUMNS, postJson, postRow, postSchema } from '../views.js';

const by = z.enum(['engagements', 'impressions', 'reach', 'followers']).default('engagements');
const limit = z.coerce.number().int().min(1).max(1000).default(10);
// Top posts come from each hour's stored top posts, so no more than an hour keeps.
const postsLimit = z.coerce.number().int().min(1).max(rollupsRepository.TOP_POSTS_PER_HOUR).default(10);
const period = {
  from: z.string(),
  to: z.string(),
  tz: z.string(),
  hashtag: z.string(),
  network: networkParam,
  meta: networkMetaSchema,
};
const doc = { tags: ['insights'], security: [{ bearer: [] }] };
const errors = problems(400, 401, 403, 404, 429);

/**
 * Resolves the common period query of these routes; `cached` computes an
 * answer about the period through the response cache.
 */
async function periodOf(
  deps: ApiDeps,
  reply: FastifyReply,
  q: { hashtag: string; network: z.infer<typeof networkParam>; from?: string; to?: string; tz: string },
) {
  const tz = parseTz(q.tz);
  const { from, to } = parseRange(q, deps.now());
  const scope: Scope = await resolveScope(deps, q.hashtag);
  const shown = {
    hashtag: scope.label,
    network: q.network,
    tz,
    from: formatInZone(from, tz),
    to: formatInZone(to, tz),
    meta: networkMeta(q.network),
  };
  const cached = <T>(key: unknown[], compute: (db: Kysely<Database>) => Promise<T>) =>
    cachedAnswer(deps.cache, reply, [...key, scope.scope, q.network, from, to], compute, {
      reads: { from, to },
    });
  return { tz, range: { ...scope, network: rollupNetworkOf(q.network), from, to }, shown, cached };
}

export function insightsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/top/posts',
    {
      config: { scope: 'read' },
      schema: {
        ...doc,
        summary: "the period's top posts by engagements, impressions or their author's reach (followers)",
        querystring: z.object({ ...periodQuery, by, limit: postsLimit, format: tableFormat }),
        response: { 200: z.object({ ...period, by, posts: z.array(postSchema) }), ...errors },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const { tz, range, shown, cached } = await periodOf(deps, reply, q);
      const posts = await cached(['top/posts', q.by, q.limit], (db) =>
        insightsRepository.topPosts(db, range, { by: q.by, limit: q.limit }),
      );
      if (wantsCsv(request, q.format))
        return sendCsv(
          reply,
          POST_COLUMNS,
          posts.map((p) => postRow(p, tz)),
        );
      return { ...shown, by: q.by, posts: posts.map((p) => postJson(p, tz)) };
    },
  );

  const author = z.object({
    id: z.string(),
    username: z.string().nullable(),
    name: z.string().nullable(),
    followers: z.number(),
    posts: z.number(),
    // Null for an author on a network that counts no views.
    impressions: z.number().nullable(),
    engagements: z.number(),
  });
  api.get(
    '/v1/top/authors',
    {
      config: { scope: 'read' },
      schema: {
        ...doc,
        summary: "the period's top authors by engagements, impressions, reach or followers",
        querystring: z.object({ ...periodQuery, by, limit, format: tableFormat }),
        response: { 200: z.object({ ...period, by, authors: z.array(author) }), ...errors },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const { range, shown, cached } = await periodOf(deps, reply, q);
      const authors = await cached(['top/authors', q.by, q.limit], (db) =>
        insightsRepository.topAuthors(db, range, { by: q.by, limit: q.limit }),
      );
      if (wantsCsv(request, q.format)) {
        const columns = [
          'id',
          'username',
          'name',
          'followers',
          'posts',
          'impressions',
          'engagements',
        ] as const;
        return sendCsv(
          reply,
          [...columns],
          authors.map((a) => columns.map((c) => a[c])),
        );
      }
      return { ...shown, by: q.by, authors };
    },
  );

  api.get(
    '/v1/cohashtags',
    {
      config: { scope: 'read' },
      schema: {
        ...doc,
        summary: "other hashtags on the period's posts, by number of posts",
        querystring: z.object({ ...periodQuery, limit, format: tableFormat }),
        response: {
          200: z.object({ ...period, cohashtags: z.array(z.object({ tag: z.string(), posts: z.number() })) }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const { range, shown, cached } = await periodOf(deps, reply, q);
      const rows = await cached(['cohashtags', q.limit], (db) =>
        insightsRepository.cohashtags(db, range, { limit: q.limit }),
      );
      if (wantsCsv(request, q.format))
        return sendCsv(
          reply,
          ['tag', 'posts'],
          rows.map((r) => [r.tag_key, r.posts]),
        );
      return { ...shown, cohashtags: rows.map((r) => ({ tag: r.tag_key, posts: r.posts })) };
    },
  );

  api.get(
    '/v1/languages',
    {
      config: { scope: 'read' },
      schema: {
        ...doc,
        summary: "the period's posts per language (BCP 47; und when unknown)",
        querystring: z.object({ ...periodQuery, format: tableFormat }),
        response: {
          200: z.object({ ...period, languages: z.array(z.object({ lang: z.string(), posts: z.number() })) }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const { range, shown, cached } = await periodOf(deps, reply, q);
      const rows = await cached(['languages'], (db) => insightsRepository.languages(db, range));
      if (wantsCsv(request, q.format))
        return sendCsv(
          reply,
          ['lang', 'posts'],
          rows.map((r) => [r.lang, r.posts]),
        );
      return { ...shown, languages: rows };
    },
  );
}
