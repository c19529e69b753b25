import { snowflakeAt } from '@tagpulse/core';
import { describe, expect, it } from 'vitest';
import { billableIds } from './billable.js';
import { fieldParams, postInTweetNames, rejectsDialect } from './dialect.js';
import { mapPage } from './map-post.js';
import { countsBodySchema, searchMetaSchema } from './payload.schema.js';
import { page, postPayload, T0, userPayload } from './testing/payloads.js';

const observedAt = new Date('2026-11-28T23:50:00.000Z');

/** A v2.152 post rewritten in v2.167's names, as a server speaking the `post` dialect sends it. */
function inPostNames(p: Record<string, unknown>): Record<string, unknown> {
  const { referenced_tweets, edit_history_tweet_ids, public_metrics, ...rest } = p;
  const { retweet_count, ...metrics } = public_metrics as Record<string, unknown>;
  return {
    ...rest,
    ...(referenced_tweets ? { referenced_posts: referenced_tweets } : {}),
    edit_history_post_ids: edit_history_tweet_ids,
    public_metrics: { ...metrics, repost_count: retweet_count },
  };
}

const originalId = snowflakeAt(T0 - 60_000, 1);
const original = postPayload({ id: originalId, entities: { hashtags: [{ tag: 'UNCCTExpo' }] } });
const repostId = snowflakeAt(T0, 2);
const repost = postPayload({
  id: repostId,
  text: 'RT @UN_OCT: Opening session of #Virtual…',
  entities: { hashtags: [] },
  referenced_tweets: [{ type: 'retweeted', id: originalId }],
  edit_history_tweet_ids: [repostId],
});
const editRoot = snowflakeAt(T0 - 5_000, 3);
const edited = postPayload({
  id: snowflakeAt(T0, 4),
  edit_history_tweet_ids: [editRoot, snowflakeAt(T0, 4)],
});

describe('field dialects', () => {
  it('maps a page in v2.167 names exactly as the same page in v2.152 names', () => {
    const tweetBody = page([repost, edited], { users: [userPayload()], tweets: [original] });
    const postBody = {
      data: [inPostNames(repost), inPostNames(edited)],
      includes: { users: [userPayload()], posts: [inPostNames(original)] },
      meta: { result_count: 2 },
    };
    const strip = (m: ReturnType<typeof mapPage>) => ({ ...m, posts: m.posts.map(({ raw: _, ...p }) => p) });
    const fromTweet = mapPage(tweetBody, observedAt);
    const fromPost = mapPage(postBody, observedAt);
    expect(fromPost.rejected).toEqual([]);
    expect(strip(fromPost)).toEqual(strip(fromTweet));
    const mappedRepost = fromPost.posts.find((p) => p.id === repostId);
    // The repost's kind, its original and the original's hashtag all come from v2.167's keys.
    expect(mappedRepost).toMatchObject({
      kind: 'repost',
      referencedPostId: originalId,
      hashtags: ['uncctexpo'],
    });
    expect(mappedRepost?.metrics.reposts).toBe(1);
    expect(fromPost.posts.find((p) => p.editRootId === editRoot)).toBeDefined();
  });

  it('keeps the post as received as its raw payload', () => {
    const body = {
      data: [inPostNames(repost)],
      includes: { users: [userPayload()] },
      meta: { result_count: 1 },
    };
    expect(mapPage(body, observedAt).posts[0]?.raw).toEqual(inPostNames(repost));
  });

  it('leaves a v2.152 post as it is', () => {
    expect(postInTweetNames(repost)).toBe(repost);
  });

  it('asks in each dialect’s names, and knows the 400 that names the other', () => {
    expect(fieldParams('tweet')).toHaveProperty('tweet.fields');
    expect(fieldParams('tweet').expansions).toContain('referenced_tweets.id');
    expect(fieldParams('post')).toHaveProperty('post.fields');
    expect(fieldParams('post')).not.toHaveProperty('tweet.fields');
    expect(fieldParams('post').expansions).toContain('referenced_posts');
    expect(rejectsDialect('tweet', ['tweet.fields'])).toBe(true);
    expect(rejectsDialect('post', ['post.fields'])).toBe(true);
    expect(rejectsDialect('tweet', ['max_results'])).toBe(false);
    expect(rejectsDialect('tweet', ['post.fields'])).toBe(false);
  });

  it('reads counts in both dialects', () => {
    const bucket = { start: '2026-11-28T10:00:00.000Z', end: '2026-11-28T11:00:00.000Z' };
    const tweet = countsBodySchema.parse({
      data: [{ ...bucket, tweet_count: 4 }],
      meta: { total_tweet_count: 4 },
    });
    const post = countsBodySchema.parse({
      data: [{ ...bucket, post_count: 4 }],
      meta: { total_post_count: 4 },
    });
    expect(post.data).toEqual(tweet.data);
    expect(post.data[0]?.count).toBe(4);
    expect(countsBodySchema.safeParse({ data: [bucket], meta: {} }).success).toBe(false);
  });
});

describe('an empty page', () => {
  it('reads the emulator’s "newest_id": "" and "oldest_id": "" as no ids', () => {
    const meta = searchMetaSchema.parse({ result_count: 0, newest_id: '', oldest_id: '' });
    expect(meta).toEqual({ result_count: 0, newest_id: undefined, oldest_id: undefined });
    expect(mapPage({ meta: { result_count: 0, newest_id: '', oldest_id: '' } }, observedAt)).toEqual({
      posts: [],
      authors: [],
      rejected: [],
    });
  });

  it('reads live X’s empty page, without the keys, the same', () => {
    expect(searchMetaSchema.parse({ result_count: 0 })).toEqual(
      searchMetaSchema.parse({ result_count: 0, newest_id: '', oldest_id: '' }),
    );
  });

  it('still refuses an id that is not a snowflake', () => {
    expect(searchMetaSchema.safeParse({ result_count: 1, newest_id: 'abc' }).success).toBe(false);
  });
});

describe('what X bills for a body', () => {
  it('counts each post (referenced ones too, in either dialect) and each user once', () => {
    const tweetBody = page([repost, repost], { users: [userPayload(), userPayload()], tweets: [original] });
    expect(billableIds(tweetBody)).toEqual({ postIds: [repostId, originalId], userIds: [userPayload().id] });
    const postBody = { data: [repost], includes: { posts: [original], users: [userPayload()] } };
    expect(billableIds(postBody)).toEqual({ postIds: [repostId, originalId], userIds: [userPayload().id] });
  });

  it('counts a malformed post X returned: it was billed all the same', () => {
    const body = page([{ ...repost, created_at: 'yesterday' }]);
    expect(mapPage(body, observedAt).rejected).toHaveLength(1);
    expect(billableIds(body).postIds).toEqual([repostId]);
  });
});
