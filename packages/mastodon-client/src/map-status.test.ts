import { describe, expect, it } from 'vitest';
import { htmlToText, mapStatuses } from './map-status.js';

const AT = new Date('2020-07-06T14:05:00Z');

// A status as masto hands it over: Mastodon's fields under camelCase names.
function status(overrides: Record<string, unknown> = {}) {
  return {
    id: '6946400392192000001',
    uri: 'https://mastodon.social/users/unoct/statuses/6946400392192000001',
    createdAt: '2020-07-06T14:00:00.123Z',
    account: {
      id: '10000001',
      username: 'unoct',
      acct: 'unoct',
      url: 'https://mastodon.social/@unoct',
      uri: 'https://mastodon.social/users/unoct',
      displayName: 'UNOCT',
      createdAt: '2017-06-15T00:00:00.000Z',
      followersCount: 3100,
      followingCount: 12,
      statusesCount: 540,
    },
    content:
      '<p>Opening of <a href="https://mastodon.social/tags/virtualctweek" class="mention hashtag" rel="tag">#<span>VirtualCTWeek</span></a> &amp; more</p>',
    language: 'en',
    tags: [{ name: 'virtualctweek', url: 'https://mastodon.social/tags/virtualctweek' }],
    reblogsCount: 4,
    favouritesCount: 9,
    repliesCount: 1,
    inReplyToId: null,
    reblog: null,
    ...overrides,
  };
}

describe('mapStatuses', () => {
  it('makes a status the post its uri names, without impressions', () => {
    const { posts, authors, rejected } = mapStatuses([status()], AT);
    expect(rejected).toEqual([]);
    expect(posts[0]).toMatchObject({
      network: 'mastodon',
      id: 'https://mastodon.social/users/unoct/statuses/6946400392192000001',
      editRootId: 'https://mastodon.social/users/unoct/statuses/6946400392192000001',
      authorId: 'https://mastodon.social/users/unoct',
      createdAt: new Date('2020-07-06T14:00:00.123Z'),
      text: 'Opening of #VirtualCTWeek & more',
      kind: 'original',
      hashtags: ['virtualctweek'],
      metrics: { likes: 9, reposts: 4, replies: 1, quotes: 0, bookmarks: 0, impressions: null },
    });
    expect(authors[0]).toMatchObject({
      network: 'mastodon',
      username: 'unoct@mastodon.social',
      followers: 3100,
    });
  });

  it('reads the same status through two instances as one post', () => {
    const copy = status({
      id: '6946400392192000009',
      account: { ...status().account, id: '20000001', acct: 'unoct@mastodon.social' },
    });
    const { posts } = mapStatuses([status(), copy], AT);
    expect(new Set(posts.map((p) => p.id)).size).toBe(1);
    expect(new Set(posts.map((p) => p.authorId)).size).toBe(1);
  });

  it('tells replies by in_reply_to_id', () => {
    expect(mapStatuses([status({ inReplyToId: '123' })], AT).posts[0]?.kind).toBe('reply');
  });

  it('counts and skips malformed statuses with the reason', () => {
    const { posts, rejected } = mapStatuses(
      [status({ uri: 'tag:example.org,2020:objectId=1' }), status({ favouritesCount: -1 }), null, status()],
      AT,
    );
    expect(posts).toHaveLength(1);
    expect(rejected).toEqual([
      { id: 'tag:example.org,2020:objectId=1', reason: 'uri: expected an http(s) URI' },
      { id: status().uri, reason: expect.stringContaining('favouritesCount') },
      { id: null, reason: expect.any(String) },
    ]);
  });
});

describe('htmlToText', () => {
  it('keeps paragraphs and breaks, drops markup, decodes entities', () => {
    expect(htmlToText('<p>a<br>b</p><p>c &lt;3 &#233;&#x41;</p>')).toBe('a\nb\n\nc <3 éA');
  });
});
