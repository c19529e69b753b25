import { type Author, hashtagKey, type MappedPage, type Post, type RejectedPost } from '@tagpulse/core';
import { z } from 'zod';

// Mastodon's Status and Account entities (docs.joinmastodon.org/entities), the fields tagpulse
// reads, under the camelCase names masto gives them.
const count = z.number().int().min(0);
const httpUri = z.string().regex(/^https?:\/\/[^\s/]+\/\S*$/, 'expected an http(s) URI');
const instant = z.iso.datetime({ offset: true });

const accountSchema = z.object({
  id: z.string(),
  username: z.string().min(1),
  url: httpUri,
  // Since Mastodon 4.2; the profile URL stands in for older instances.
  uri: httpUri.optional(),
  displayName: z.string(),
  createdAt: instant,
  followersCount: count,
  followingCount: count,
  statusesCount: count,
});

const statusSchema = z.object({
  id: z.string().regex(/^[0-9]+$/, 'expected a numeric local id'),
  uri: httpUri,
  createdAt: instant,
  account: accountSchema,
  content: z.string(),
  language: z.string().nullable(),
  tags: z.array(z.object({ name: z.string() })),
  reblogsCount: count,
  favouritesCount: count,
  repliesCount: count,
  inReplyToId: z.string().nullable(),
  reblog: z.unknown().nullable(),
});

type AccountPayload = z.infer<typeof accountSchema>;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Mastodon's status HTML as plain text: paragraphs and breaks as newlines, tags dropped, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, code: string) => {
      if (code.startsWith('#x') || code.startsWith('#X'))
        return String.fromCodePoint(Number.parseInt(code.slice(2), 16));
      if (code.startsWith('#')) return String.fromCodePoint(Number.parseInt(code.slice(1), 10));
      return ENTITIES[code.toLowerCase()] ?? whole;
    });
}

function authorOf(a: AccountPayload, observedAt: Date): Author {
  return {
    network: 'mastodon',
    // One id wherever the account is seen from: its ActivityPub URI, not an instance's local id.
    id: a.uri ?? a.url,
    username: `${a.username}@${new URL(a.url).host}`,
    name: a.displayName,
    followers: a.followersCount,
    following: a.followingCount,
    posts: a.statusesCount,
    listed: 0,
    verified: false,
    verifiedType: null,
    accountCreatedAt: new Date(a.createdAt),
    observedAt,
  };
}

/**
 * Maps one page of a hashtag timeline to core posts and authors. A status is
 * the post its `uri` names, however many instances show it (each with its
 * own local id); a status that does not parse is counted and skipped with its
 * reason. Mastodon has no views, no quotes and no public bookmark counts:
 * impressions are absent (null), quotes and bookmarks 0.
 */
export function mapStatuses(items: unknown[], observedAt: Date): MappedPage {
  const posts: Post[] = [];
  const authors: Author[] = [];
  const rejected: RejectedPost[] = [];
  for (const item of items) {
    const parsed = statusSchema.safeParse(item);
    if (!parsed.success) {
      const id =
        (item as { uri?: unknown; id?: unknown } | null)?.uri ?? (item as { id?: unknown } | null)?.id;
      const issue = parsed.error.issues[0];
      rejected.push({
        id: typeof id === 'string' ? id : null,
        reason: `${issue?.path.join('.') || 'status'}: ${issue?.message ?? 'invalid'}`,
      });
      continue;
    }
    const s = parsed.data;
    const author = authorOf(s.account, observedAt);
    authors.push(author);
    posts.push({
      network: 'mastodon',
      id: s.uri,
      editRootId: s.uri,
      authorId: author.id,
      createdAt: new Date(s.createdAt),
      text: htmlToText(s.content),
      lang: s.language,
      kind: s.reblog ? 'repost' : s.inReplyToId !== null ? 'reply' : 'original',
      // The replied-to status is known here only by this instance's local id, not its uri.
      referencedPostId: null,
      conversationId: null,
      hashtags: [...new Set(s.tags.map((t) => hashtagKey(t.name)).filter((k) => k !== ''))],
      metrics: {
        likes: s.favouritesCount,
        reposts: s.reblogsCount,
        replies: s.repliesCount,
        quotes: 0,
        bookmarks: 0,
        impressions: null,
      },
      observedAt,
      raw: item,
    });
  }
  return { posts, authors, rejected };
}
