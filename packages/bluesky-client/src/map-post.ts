import { type Author, hashtagKey, type MappedPage, type Post, type RejectedPost } from '@tagpulse/core';
import { z } from 'zod';

// The fields tagpulse reads of app.bsky.feed.post and app.bsky.feed.defs#postView.
const count = z.number().int().min(0);
const atUri = z
  .string()
  .regex(/^at:\/\/did:[a-z0-9]+:[a-zA-Z0-9._:%-]+\/app\.bsky\.feed\.post\/[a-zA-Z0-9._~:-]{1,512}$/);
const did = z.string().regex(/^did:[a-z0-9]+:[a-zA-Z0-9._:%-]+$/);
const strongRef = z.object({ uri: z.string(), cid: z.string() });

export const postRecordSchema = z.object({
  text: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  langs: z.array(z.string()).optional(),
  facets: z
    .array(
      z.object({ features: z.array(z.object({ $type: z.string().optional(), tag: z.string().optional() })) }),
    )
    .optional(),
  tags: z.array(z.string()).optional(),
  reply: z.object({ root: strongRef, parent: strongRef }).optional(),
  embed: z.object({ $type: z.string(), record: z.unknown().optional() }).optional(),
});
export type PostRecordPayload = z.infer<typeof postRecordSchema>;

const postViewSchema = z.object({
  uri: atUri,
  author: z.object({ did }),
  record: postRecordSchema,
  replyCount: count.optional(),
  repostCount: count.optional(),
  likeCount: count.optional(),
  quoteCount: count.optional(),
});

const profileSchema = z.object({
  did,
  handle: z.string(),
  displayName: z.string().optional(),
  followersCount: count.optional(),
  followsCount: count.optional(),
  postsCount: count.optional(),
  createdAt: z.iso.datetime({ offset: true }).optional(),
});

/** A record's hashtags as tagpulse matches them: its tag facets and its `tags`, folded, once each. */
export function recordHashtags(record: PostRecordPayload): string[] {
  const faceted = (record.facets ?? []).flatMap((f) =>
    f.features.flatMap((x) => (x.$type === 'app.bsky.richtext.facet#tag' && x.tag ? [x.tag] : [])),
  );
  return [...new Set([...faceted, ...(record.tags ?? [])].map(hashtagKey).filter((k) => k !== ''))];
}

/** Engagement counts; Bluesky shows no views and no bookmark counts. */
export interface Counts {
  likes: number;
  reposts: number;
  replies: number;
  quotes: number;
}

/**
 * A post record as a core post: its id the record's `at://` URI, which is
 * what every Bluesky API names it by (getPosts, replies, quotes), stable and
 * unique, and tells its network by its form. Jetstream's records carry no
 * counts (zero until a look-up reads them).
 */
export function recordToPost(
  uri: string,
  authorDid: string,
  record: PostRecordPayload,
  counts: Counts,
  observedAt: Date,
  raw: unknown,
): Post {
  const quoted =
    record.embed?.$type === 'app.bsky.embed.record' ? strongRef.safeParse(record.embed.record) : undefined;
  return {
    network: 'bluesky',
    id: uri,
    editRootId: uri,
    authorId: authorDid,
    createdAt: new Date(record.createdAt),
    text: record.text,
    lang: record.langs?.[0] ?? null,
    kind: record.reply ? 'reply' : quoted?.success ? 'quote' : 'original',
    referencedPostId: record.reply?.parent.uri ?? (quoted?.success ? quoted.data.uri : null),
    conversationId: record.reply?.root.uri ?? null,
    hashtags: recordHashtags(record),
    metrics: { ...counts, bookmarks: 0, impressions: null },
    observedAt,
    raw,
  };
}

function rejectedOf(item: unknown, error: z.ZodError): RejectedPost {
  const id = (item as { uri?: unknown } | null)?.uri;
  const issue = error.issues[0];
  return {
    id: typeof id === 'string' ? id : null,
    reason: `${issue?.path.join('.') || 'post'}: ${issue?.message ?? 'invalid'}`,
  };
}

/** Post views (searchPosts, getPosts) as core posts; authors come from getProfiles. Malformed ones counted and skipped. */
export function mapPostViews(items: unknown[], observedAt: Date): Omit<MappedPage, 'authors'> {
  const posts: Post[] = [];
  const rejected: RejectedPost[] = [];
  for (const item of items) {
    const parsed = postViewSchema.safeParse(item);
    if (!parsed.success) {
      rejected.push(rejectedOf(item, parsed.error));
      continue;
    }
    const v = parsed.data;
    const counts = {
      likes: v.likeCount ?? 0,
      reposts: v.repostCount ?? 0,
      replies: v.replyCount ?? 0,
      quotes: v.quoteCount ?? 0,
    };
    posts.push(recordToPost(v.uri, v.author.did, v.record, counts, observedAt, item));
  }
  return { posts, rejected };
}

/** Profiles (getProfiles) as core authors, keyed by DID; malformed ones skipped. */
export function mapProfiles(items: unknown[], observedAt: Date): Author[] {
  return items.flatMap((item) => {
    const parsed = profileSchema.safeParse(item);
    if (!parsed.success) return [];
    const p = parsed.data;
    return [
      {
        network: 'bluesky' as const,
        id: p.did,
        username: p.handle,
        name: p.displayName ?? p.handle,
        followers: p.followersCount ?? 0,
        following: p.followsCount ?? 0,
        posts: p.postsCount ?? 0,
        listed: 0,
        verified: false,
        verifiedType: null,
        accountCreatedAt: p.createdAt ? new Date(p.createdAt) : null,
        observedAt,
      },
    ];
  });
}
