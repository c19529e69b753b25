import { formatInZone } from '@tagpulse/core';
import { insightsRepository } from '@tagpulse/db';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendCsv, sendText } from '../csv.js';
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
} from '../params.js';
import { badParam, problems } from '../problem.js';
import { POST_COLUMNS, postJson, postRow, postSchema } from '../views.js';

type Format = 'json' | 'csv' | 'ndjson';

/** The page after a post: its created_at and edit chain id, opaque to clients. */
function encodeCursor(p: { created_at: Date; edit_root_id: string }): string {
  return Buffer.from(`${p.created_at.getTime()}_${p.edit_root_id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; editRootId: string } {
  // An X id, or a Mastodon or Bluesky URI.
  const match = /^(\d{1,15})_(\S{1,400})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw badParam('cursor', 'not a cursor this API gave out');
  return { createdAt: new Date(Number(match[1])), editRootId: match[2] as string };
}

function formatOf(request: FastifyRequest, format: Format | undefined): Format {
  if (format) return format;
  const accept = request.headers.accept ?? '';
  return accept.includes('application/x-ndjson') ? 'ndjson' : accept.includes('text/csv') ? 'csv' : 'json';
}

export function postsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/posts',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['posts'],
        security: [{ bearer: [] }],
        summary: 'posts of a period, newest first, keyset-paged; JSON, CSV or NDJSON export',
        description: 'CSV and NDJSON carry the next page in the x-next-cursor header.',
        querystring: z.object({
          ...periodQuery,
          kind: z.enum(['original', 'reply', 'quote', 'repost']).optional(),
          lang: z.string().max(35).optional(),
          author_id: z
            .string()
            .regex(/^\S{1,400}$/)
            .optional()
            .describe("an X user id, a Mastodon account's URI or a Bluesky DID"),
          cursor: z.string().max(600).optional().describe('next_cursor of the previous page'),
          limit: z.coerce.number().int().min(1).max(10_000).default(100),
          format: z.enum(['json', 'csv', 'ndjson']).optional(),
        }),
        response: {
          200: z.object({
            hashtag: z.string(),
            network: networkParam,
            meta: networkMetaSchema,
            tz: z.string(),
            from: z.string(),
            to: z.string(),
            posts: z.array(postSchema),
            next_cursor: z.string().nullable(),
          }),
          ...problems(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const tz = parseTz(q.tz);
      const { from, to } = parseRange(q, deps.now());
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      const scope = await resolveScope(deps, q.hashtag);
      const posts = await insightsRepository.listPosts(
        deps.pools.read,
        { ...scope, network: rollupNetworkOf(q.network), from, to },
        { kind: q.kind, lang: q.lang, authorId: q.author_id, after, limit: q.limit },
      );
      const last = posts.at(-1);
      const next = posts.length === q.limit && last ? encodeCursor(last) : null;
      const format = formatOf(request, q.format);
      if (format !== 'json' && next) reply.header('x-next-cursor', next);
      if (format === 'csv')
        return sendCsv(
          reply,
          POST_COLUMNS,
          posts.map((p) => postRow(p, tz)),
        );
      if (format === 'ndjson') {
        const lines = posts.map((p) => `${JSON.stringify(postJson(p, tz))}\n`).join('');
        return sendText(reply, 'application/x-ndjson; charset=utf-8', lines);
      }
      return {
        hashtag: scope.label,
        network: q.network,
        meta: networkMeta(q.network),
        tz,
        from: formatInZone(from, tz),
        to: formatInZone(to, tz),
        posts: posts.map((p) => postJson(p, tz)),
        next_cursor: next,
      };
    },
  );
}
