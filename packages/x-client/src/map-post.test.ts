// Over 300 lines on purpose: every X payload shape the mapper meets, one case each, beside its code.
import { readFileSync } from 'node:fs';
import { snowflakeAt } from '@tagpulse/core';
import { describe, expect, it } from 'vitest';
import { mapPage } from './map-post.js';
import { AUTHOR_ID, page, postPayload, T0, userPayload } from './testing/payloads.js';

const observedAt = new Date('2026-11-28T23:50:00.000Z');

function readJson(url: URL): Record<string, unknown> {
  return JSON.parse(readFileSync(url, 'utf8'));
}
/** The data-dictionary example plus the 2022–23 fields (edit history, bookmarks, impressions). */
const example = readJson(new URL('./testing/search-recent-example.json', import.meta.url));
/** The docs payload verbatim: a pre-2023 post without bookmark and impression counts. */
const legacyExample = readJson(
  new URL('../../../vendor/x-api/data-dictionary-tweet-example.json', import.meta.url),
);

describe('mapPage on the data-dictionary example', () => {
  it('maps the reply and its author', () => {
    const mapped = mapPage(example, observedAt);
    expect(mapped.rejected).toEqual([]);
    expect(mapped.posts).toEqual([
      {
        network: 'x',
        id: '1307025659294674945',
        editRootId: '1307025659294674945',
        authorId: '2244994945',
        createdAt: new Date('2020-09-18T18:36:15.000Z'),
        text: 'Here’s an article that highlights the updates in the new Tweet payload v2 https://t.co/oeF3ZHeKQQ',
        lang: 'en',
        kind: 'reply',
        referencedPostId: '1304102743196356610',
        conversationId: '1304102743196356610',
        hashtags: [],
        metrics: { likes: 70, reposts: 11, replies: 2, quotes: 1, bookmarks: 3, impressions: 5120 },
        observedAt,
        raw: (example.data as unknown[])[0],
      },
    ]);
    expect(mapped.authors).toEqual([
      {
        network: 'x',
        id: '2244994945',
        username: 'TwitterDev',
        name: 'Twitter Dev',
        followers: 513961,
        following: 2039,
        posts: 3635,
        listed: 1672,
        verified: true,
        verifiedType: null,
        accountCreatedAt: new Date('2013-12-14T04:35:55.000Z'),
        observedAt,
      },
    ]);
  });

  it('counts absent bookmark and impression counters as 0 on old payloads', () => {
    const [post] = mapPage(legacyExample, observedAt).posts;
    expect(post?.metrics).toEqual({
      likes: 70,
      reposts: 11,
      replies: 2,
      quotes: 1,
      bookmarks: 0,
      impressions: 0,
    });
    expect(post?.editRootId).toBe('1307025659294674945');
  });
});

describe('kind', () => {
  const ref = snowflakeAt(T0 - 60_000, 7);
  const cases: Array<[string, unknown[], string, string | null]> = [
    ['original', [], 'original', null],
    ['reply', [{ type: 'replied_to', id: ref }], 'reply', ref],
    ['quote', [{ type: 'quoted', id: ref }], 'quote', ref],
    ['repost', [{ type: 'retweeted', id: ref }], 'repost', ref],
    [
      'quote that replies (reply wins)',
      [
        { type: 'quoted', id: '11' },
        { type: 'replied_to', id: ref },
      ],
      'reply',
      ref,
    ],
  ];
  it.each(cases)('%s', (_name, refs, kind, referencedPostId) => {
    const raw = postPayload(refs.length ? { referenced_tweets: refs } : {});
    const [post] = mapPage(page([raw]), observedAt).posts;
    expect(post?.kind).toBe(kind);
    expect(post?.referencedPostId).toBe(referencedPostId);
  });

  it('treats a post without referenced_tweets as an original', () => {
    const { referenced_tweets: _, ...raw } = postPayload({ referenced_tweets: [] });
    expect(mapPage(page([raw]), observedAt).posts[0]?.kind).toBe('original');
  });
});

describe('hashtags', () => {
  it('folds case and accents and removes duplicates', () => {
    const raw = postPayload({
      entities: {
        hashtags: [
          { tag: 'UNCCTExpo' },
          { tag: 'uncctexpo' },
          { tag: 'UNCCTExpó' },
          { tag: 'VirtualCTWeek' },
        ],
      },
    });
    expect(mapPage(page([raw]), observedAt).posts[0]?.hashtags).toEqual(['uncctexpo', 'virtualctweek']);
  });

  it('takes a repost’s hashtags from the original, whose text was not cut', () => {
    const originalId = snowflakeAt(T0 - 3_600_000, 3);
    const repost = postPayload({
      text: 'RT @UN_OCT: Opening session of #VirtualCTWeek with #UNiteTo…',
      referenced_tweets: [{ type: 'retweeted', id: originalId }],
      entities: { hashtags: [{ tag: 'VirtualCTWeek' }] },
    });
    const original = postPayload({
      id: originalId,
      entities: {
        hashtags: [{ tag: 'VirtualCTWeek' }, { tag: 'UNiteToCounterTerrorism' }, { tag: 'UNCCTExpo' }],
      },
    });
    const mapped = mapPage(page([repost], { users: [userPayload()], tweets: [original] }), observedAt);
    expect(mapped.posts[0]?.hashtags).toEqual(['virtualctweek', 'unitetocounterterrorism', 'uncctexpo']);
  });

  it('keeps a repost’s own hashtags when the original is not in includes (deleted or protected)', () => {
    const repost = postPayload({ referenced_tweets: [{ type: 'retweeted', id: '42' }] });
    expect(mapPage(page([repost]), observedAt).posts[0]?.hashtags).toEqual(['virtualctweek']);
  });

  it('does not borrow a quoted post’s hashtags', () => {
    const quotedId = snowflakeAt(T0 - 3_600_000, 3);
    const quote = postPayload({ referenced_tweets: [{ type: 'quoted', id: quotedId }], entities: {} });
    const quoted = postPayload({ id: quotedId, entities: { hashtags: [{ tag: 'UNCCTExpo' }] } });
    const mapped = mapPage(page([quote], { users: [userPayload()], tweets: [quoted] }), observedAt);
    expect(mapped.posts[0]?.hashtags).toEqual([]);
  });
});

describe('edit chains', () => {
  const rootId = snowflakeAt(T0, 11);
  const v2Id = snowflakeAt(T0 + 10 * 60_000, 12);
  const v3Id = snowflakeAt(T0 + 20 * 60_000, 13);
  const version = (id: string, history: string[]) =>
    postPayload({
      id,
      created_at: new Date(Number(T0) + 99 * 60_000).toISOString(),
      edit_history_tweet_ids: history,
    });

  it('dates an edited version by its chain root', () => {
    const [post] = mapPage(page([version(v2Id, [rootId, v2Id])]), observedAt).posts;
    expect(post).toMatchObject({ id: v2Id, editRootId: rootId, createdAt: new Date(T0) });
  });

  it('dates the root and its edits alike when the root was created within a second', () => {
    // X's created_at shows the second; the id holds the milliseconds.
    const root = snowflakeAt(T0 + 363, 21);
    const edit = snowflakeAt(T0 + 5 * 60_000, 22);
    const shown = new Date(T0).toISOString();
    const mapped = [
      postPayload({ id: root, created_at: shown, edit_history_tweet_ids: [root] }),
      postPayload({
        id: edit,
        created_at: new Date(T0 + 5 * 60_000).toISOString(),
        edit_history_tweet_ids: [root, edit],
      }),
    ].map((payload) => mapPage(page([payload]), observedAt).posts[0]);
    expect(mapped.map((p) => p?.createdAt)).toEqual([new Date(T0), new Date(T0)]);
  });

  it('keeps only the newest version when one page holds several', () => {
    const mapped = mapPage(
      page([version(v2Id, [rootId, v2Id]), version(v3Id, [rootId, v2Id, v3Id]), version(rootId, [rootId])]),
      observedAt,
    );
    expect(mapped.posts.map((p) => [p.id, p.editRootId])).toEqual([[v3Id, rootId]]);
    expect(mapped.rejected).toEqual([]);
  });

  it('uses the post’s own id and created_at when edit_history_tweet_ids is absent', () => {
    const { edit_history_tweet_ids: _, ...raw } = postPayload();
    const [post] = mapPage(page([raw]), observedAt).posts;
    expect(post).toMatchObject({ editRootId: raw.id, createdAt: new Date(T0) });
  });
});

describe('ids', () => {
  it('keeps ids above 2^53 exact', () => {
    const big = '9007199254740993123';
    const raw = postPayload({
      id: big,
      author_id: '9007199254740993',
      conversation_id: '9007199254740995',
      referenced_tweets: [{ type: 'replied_to', id: '9007199254740995' }],
      edit_history_tweet_ids: [big],
    });
    const mapped = mapPage(page([raw], { users: [userPayload({ id: '9007199254740993' })] }), observedAt);
    expect(mapped.posts[0]).toMatchObject({
      id: big,
      editRootId: big,
      authorId: '9007199254740993',
      conversationId: '9007199254740995',
      referencedPostId: '9007199254740995',
    });
    expect(mapped.authors[0]?.id).toBe('9007199254740993');
  });

  it('rejects a numeric id, whose digits JSON may already have lost', () => {
    const { id } = JSON.parse('{"id":1307025659294674945}');
    expect(String(id)).not.toBe('1307025659294674945');
    const mapped = mapPage(page([postPayload({ id })]), observedAt);
    expect(mapped.rejected).toEqual([{ id: null, reason: expect.stringMatching(/^id: /) }]);
  });
});

describe('includes', () => {
  it('deduplicates users repeated across concatenated pages', () => {
    const other = userPayload({ id: '77', name: 'other' });
    const mapped = mapPage(
      page([postPayload()], { users: [userPayload(), other, userPayload({ name: 'later copy' }), other] }),
      observedAt,
    );
    expect(mapped.authors.map((a) => [a.id, a.name])).toEqual([
      [AUTHOR_ID, 'UN Counter-Terrorism'],
      ['77', 'other'],
    ]);
  });

  it('reads users without optional fields', () => {
    const mapped = mapPage(
      page([postPayload()], { users: [{ id: AUTHOR_ID, username: 'u', name: 'n' }] }),
      observedAt,
    );
    expect(mapped.authors[0]).toMatchObject({
      followers: 0,
      verified: false,
      verifiedType: null,
      accountCreatedAt: null,
    });
    expect(mapped.posts).toHaveLength(1);
  });
});

describe('malformed posts', () => {
  const good = postPayload({ id: snowflakeAt(T0, 100) });
  const cases: Array<[string, unknown, string | null, RegExp]> = [
    ['no id', postPayload({ id: undefined }), null, /^id: /],
    ['an id that is not a snowflake', postPayload({ id: '12a' }), '12a', /^id: expected a snowflake/],
    ['no author_id', postPayload({ id: '501', author_id: undefined }), '501', /^author_id: /],
    [
      'an author missing from includes',
      postPayload({ id: '502', author_id: '999' }),
      '502',
      /999 is not in includes/,
    ],
    ['a bad date', postPayload({ id: '503', created_at: 'yesterday' }), '503', /^created_at: /],
    [
      'an impossible date',
      postPayload({ id: '504', created_at: '2026-02-31T10:00:00.000Z' }),
      '504',
      /^created_at/,
    ],
    ['no created_at', postPayload({ id: '505', created_at: undefined }), '505', /^created_at: /],
    [
      'an unknown referenced type',
      postPayload({ id: '506', referenced_tweets: [{ type: 'mentioned', id: '1' }] }),
      '506',
      /^referenced_tweets\.0\.type: /,
    ],
    ['text that is not a string', postPayload({ id: '507', text: 42 }), '507', /^text: /],
    [
      'hashtags that are not a list',
      postPayload({ id: '508', entities: { hashtags: 'x' } }),
      '508',
      /^entities\.hashtags/,
    ],
    [
      'a counter that is a string',
      postPayload({ id: '509', public_metrics: { like_count: '5' } }),
      '509',
      /^public_metrics\.like_count/,
    ],
    [
      'a negative counter',
      postPayload({ id: '510', public_metrics: { like_count: -1 } }),
      '510',
      /like_count/,
    ],
    ['a null post', null, null, /expected object/],
    ['a string post', 'oops', null, /expected object/],
    [
      'an edit history with a bad id',
      postPayload({ id: '511', edit_history_tweet_ids: [7] }),
      '511',
      /^edit_history/,
    ],
  ];

  it.each(cases)('rejects %s and maps the rest of the page', (_name, bad, id, reason) => {
    const mapped = mapPage(page([good, bad]), observedAt);
    expect(mapped.posts.map((p) => p.id)).toEqual([good.id]);
    expect(mapped.rejected).toEqual([{ id, reason: expect.stringMatching(reason) }]);
  });

  it('says why when the author is in includes but malformed', () => {
    const mapped = mapPage(page([postPayload()], { users: [userPayload({ username: null })] }), observedAt);
    expect(mapped.rejected[0]?.reason).toMatch(/is malformed in includes\.users \(username: /);
    expect(mapped.authors).toEqual([]);
  });
});

describe('page shape', () => {
  it('maps an empty page to nothing', () => {
    expect(mapPage({ meta: { result_count: 0 } }, observedAt)).toEqual({
      posts: [],
      authors: [],
      rejected: [],
    });
  });

  it('rejects a body that is not an object, and data that is not a list', () => {
    expect(mapPage('<html>', observedAt).rejected).toEqual([
      { id: null, reason: 'body is not a JSON object' },
    ]);
    expect(mapPage({ data: {} }, observedAt).rejected).toEqual([
      { id: null, reason: 'data is not an array' },
    ]);
  });

  it('rejects every post when includes are missing', () => {
    const mapped = mapPage({ data: [postPayload()] }, observedAt);
    expect(mapped.posts).toEqual([]);
    expect(mapped.rejected).toHaveLength(1);
  });
});
