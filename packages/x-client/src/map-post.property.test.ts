import { SNOWFLAKE_PATTERN, snowflakeAt } from '@tagpulse/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapPage } from './map-post.js';
import { AUTHOR_ID, T0, userPayload } from './testing/payloads.js';

const observedAt = new Date('2026-11-28T23:50:00.000Z');

const snowflake = fc.integer({ min: 0, max: 2 ** 22 - 1 }).map((low) => snowflakeAt(T0, low));
/** A valid value most of the time, anything JSON (or nothing) otherwise. */
const orJunk = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 20, arbitrary: valid }, fc.jsonValue(), fc.constant(undefined));

const hashtags = fc.array(fc.record({ tag: orJunk(fc.string()) }), { maxLength: 4 });
const almostPost = fc.record({
  id: orJunk(snowflake),
  text: orJunk(fc.string()),
  author_id: orJunk(fc.constantFrom(AUTHOR_ID, '77', '999')),
  created_at: orJunk(
    fc
      .date({ min: new Date('2006-03-21'), max: new Date('2040-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  ),
  lang: orJunk(fc.constantFrom('en', 'fr', 'und')),
  conversation_id: orJunk(snowflake),
  referenced_tweets: orJunk(
    fc.array(
      fc.record({ type: fc.constantFrom('retweeted', 'quoted', 'replied_to', 'mentioned'), id: snowflake }),
      {
        maxLength: 2,
      },
    ),
  ),
  entities: orJunk(fc.record({ hashtags: orJunk(hashtags) })),
  public_metrics: orJunk(fc.record({ like_count: orJunk(fc.nat()), impression_count: orJunk(fc.nat()) })),
  edit_history_tweet_ids: orJunk(fc.array(snowflake, { minLength: 1, maxLength: 3 })),
});
const almostPage = fc.record(
  {
    data: orJunk(fc.array(orJunk(almostPost), { maxLength: 8 })),
    includes: orJunk(
      fc.record(
        {
          users: orJunk(
            fc.array(orJunk(fc.constantFrom(userPayload(), userPayload({ id: '77' }))), { maxLength: 3 }),
          ),
          tweets: orJunk(fc.array(orJunk(almostPost), { maxLength: 3 })),
        },
        { requiredKeys: [] },
      ),
    ),
    meta: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe('mapPage on arbitrary input', () => {
  it('never throws on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        mapPage(body, observedAt);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on near-valid pages, and what it maps is well formed', () => {
    fc.assert(
      fc.property(almostPage, (body) => {
        const { posts, authors, rejected } = mapPage(body, observedAt);
        const authorIds = new Set(authors.map((a) => a.id));
        const data = Array.isArray(body.data) ? body.data : [];
        expect(posts.length + rejected.length).toBeLessThanOrEqual(Math.max(data.length, 1));
        for (const post of posts) {
          expect(post.id).toMatch(SNOWFLAKE_PATTERN);
          expect(post.editRootId).toMatch(SNOWFLAKE_PATTERN);
          expect(Number.isNaN(post.createdAt.getTime())).toBe(false);
          expect(authorIds.has(post.authorId)).toBe(true);
          expect(new Set(post.hashtags).size).toBe(post.hashtags.length);
          expect(data).toContain(post.raw);
        }
        for (const r of rejected) expect(r.reason).not.toBe('');
      }),
      { numRuns: 1000 },
    );
  });
});
