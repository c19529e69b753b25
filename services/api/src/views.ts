import { DEFINITIONS_SUMMARY, formatInZone } from '@tagpulse/core';
import { type Database, type insightsRepository, rollupDefinitions } from '@tagpulse/db';
import type { Kysely } from 'kysely';
import { z } from 'zod';

type PostView = insightsRepository.PostView;

export const definitionsSchema = z
  .array(z.object({ version: z.number().int(), summary: z.string() }))
  .describe(
    "the metric definitions the period's buckets follow, by the search index capture read them from (README, \"Reposts\"): 1 counts reposts as search returned them (X's legacy index), 2 from the posts' retweet_count (X's 2026 index returns no reposts); both when the period mixes them",
  );

/** The definitions a scope's [from, to) follows, for `meta.definitions`. */
export async function definitionsOf(
  db: Kysely<Database>,
  range: { scope: string; from: Date; to: Date },
): Promise<z.infer<typeof definitionsSchema>> {
  const versions = await rollupDefinitions.periodDefinitionVersions(db, range);
  return versions.map((version) => ({ version, summary: DEFINITIONS_SUMMARY[version] }));
}

export const postSchema = z.object({
  id: z.string(),
  edit_root_id: z.string(),
  created_at: z.string(),
  kind: z.enum(['original', 'reply', 'quote', 'repost']),
  lang: z.string().nullable(),
  text: z.string(),
  author: z.object({ id: z.string(), username: z.string().nullable(), followers: z.number() }),
  metrics: z.object({
    likes: z.number(),
    reposts: z.number(),
    replies: z.number(),
    quotes: z.number(),
    bookmarks: z.number(),
    // Null on a network that counts no views (Mastodon, Bluesky).
    impressions: z.number().nullable(),
  }),
  engagements: z.number(),
});

export function postJson(p: PostView, tz: string): z.infer<typeof postSchema> {
  return {
    id: p.id,
    edit_root_id: p.edit_root_id,
    created_at: formatInZone(p.created_at, tz),
    kind: p.kind,
    lang: p.lang,
    text: p.text,
    author: { id: p.author_id, username: p.author_username, followers: p.author_followers },
    metrics: {
      likes: p.likes,
      reposts: p.reposts,
      replies: p.replies,
      quotes: p.quotes,
      bookmarks: p.bookmarks,
      impressions: p.impressions,
    },
    engagements: p.engagements,
  };
}

export const POST_COLUMNS = [
  'id',
  'edit_root_id',
  'created_at',
  'kind',
  'lang',
  'author_id',
  'author_username',
  'author_followers',
  'likes',
  'reposts',
  'replies',
  'quotes',
  'bookmarks',
  'impressions',
  'engagements',
  'text',
];

export function postRow(p: PostView, tz: string): (string | number | null)[] {
  return [
    p.id,
    p.edit_root_id,
    formatInZone(p.created_at, tz),
    p.kind,
    p.lang,
    p.author_id,
    p.author_username,
    p.author_followers,
    p.likes,
    p.reposts,
    p.replies,
    p.quotes,
    p.bookmarks,
    p.impressions,
    p.engagements,
    p.text,
  ];
}
