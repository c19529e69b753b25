import type { Author, Post } from '@tagpulse/core';
import { snowflakeAt } from '@tagpulse/core';

/** A complete, valid author; overrides win. */
export function makeAuthor(overrides: Partial<Author> = {}): Author {
  return {
    network: 'x',
    id: '1234567890123456789',
    username: 'un_oct',
    name: 'UNOCT',
    followers: 310_000,
    following: 120,
    posts: 5_400,
    listed: 900,
    verified: true,
    verifiedType: 'government',
    accountCreatedAt: new Date('2017-06-15T00:00:00Z'),
    observedAt: new Date('2020-07-06T14:01:00Z'),
    ...overrides,
  };
}

/** A complete, valid post created at `createdAt` (its id is the matching snowflake); overrides win. */
export function makePost(overrides: Partial<Post> & { createdAt?: Date; lowBits?: number } = {}): Post {
  const { lowBits = 1, ...rest } = overrides;
  const createdAt = rest.createdAt ?? new Date('2020-07-06T14:00:00Z');
  const id = rest.id ?? snowflakeAt(createdAt.getTime(), lowBits);
  return {
    network: 'x',
    id,
    editRootId: id,
    authorId: '1234567890123456789',
    createdAt,
    text: 'Opening #VirtualCTWeek',
    lang: 'en',
    kind: 'original',
    referencedPostId: null,
    conversationId: id,
    hashtags: ['virtualctweek'],
    metrics: { likes: 1, reposts: 0, replies: 0, quotes: 0, bookmarks: 0, impressions: 10 },
    observedAt: new Date('2020-07-06T14:01:00Z'),
    raw: { id },
    ...rest,
  };
}

/** Public metrics of a post nobody has reacted to yet. */
export const NO_METRICS: Post['metrics'] = {
  likes: 0,
  reposts: 0,
  replies: 0,
  quotes: 0,
  bookmarks: 0,
  impressions: 0,
};

/**
 * A post by `author` at `at`, of a kind and with hashtags, no reactions yet and
 * read a minute after posting; its id's low bits are the author's id unless
 * overridden. Overrides win.
 */
export function postAt(
  at: string,
  author: Author,
  kind: Post['kind'],
  hashtags: string[],
  overrides: Parameters<typeof makePost>[0] = {},
): Post {
  const createdAt = new Date(at);
  return makePost({
    createdAt,
    lowBits: Number(author.id),
    authorId: author.id,
    kind,
    hashtags,
    metrics: NO_METRICS,
    observedAt: new Date(createdAt.getTime() + 60_000),
    ...overrides,
  });
}
