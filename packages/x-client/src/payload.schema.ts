import { SNOWFLAKE_PATTERN } from '@tagpulse/core';
import { z } from 'zod';

/**
 * The parts of X's v2 objects that tagpulse reads, as X sends them (OpenAPI
 * v2.152 `Tweet`, `User`, `Problem`). Bodies arrive as `unknown`: nothing
 * here is trusted until it parsed. Unknown keys are ignored, and the caller
 * keeps the object as received.
 */

/** Ids are strings of digits: a JSON number above 2^53 has already lost digits. */
const id = z.string().regex(SNOWFLAKE_PATTERN, 'expected a snowflake id string');
/** X sends `2020-09-18T18:36:15.000Z`; any ISO 8601 instant with a zone is accepted. */
const instant = z.iso.datetime({ offset: true });
/** Old payloads lack newer counters (`bookmark_count`, `impression_count`): absent counts as 0. */
const counter = z.number().int().nonnegative().default(0);

const hashtagEntity = z.object({ tag: z.string() });

export const postSchema = z.object({
  id,
  text: z.string(),
  author_id: id,
  created_at: instant,
  lang: z.string().optional(),
  conversation_id: id.optional(),
  referenced_tweets: z
    .array(z.object({ type: z.enum(['retweeted', 'quoted', 'replied_to']), id }))
    .optional(),
  entities: z.object({ hashtags: z.array(hashtagEntity).optional() }).optional(),
  public_metrics: z
    .object({
      retweet_count: counter,
      reply_count: counter,
      like_count: counter,
      quote_count: counter,
      bookmark_count: counter,
      impression_count: counter,
    })
    .optional(),
  edit_history_tweet_ids: z.array(id).optional(),
});
export type PostPayload = z.infer<typeof postSchema>;

/** A referenced post in `includes.tweets`: only its hashtags are read (for reposts). */
export const includedPostSchema = z.object({
  id,
  entities: z.object({ hashtags: z.array(hashtagEntity).optional() }).optional(),
});

export const userSchema = z.object({
  id,
  username: z.string(),
  name: z.string(),
  public_metrics: z
    .object({
      followers_count: counter,
      following_count: counter,
      tweet_count: counter,
      listed_count: counter,
    })
    .optional(),
  verified: z.boolean().optional(),
  verified_type: z.string().optional(),
  created_at: instant.optional(),
});
export type UserPayload = z.infer<typeof userSchema>;

/** A partial error in a 200 body (`errors[]`), e.g. a looked-up post that is gone. */
export const partialErrorSchema = z.object({
  type: z.string(),
  resource_id: z.string().optional(),
  resource_type: z.string().optional(),
});

/** X's emulator sends `"newest_id": ""` on an empty page where live X leaves the key out: both mean none. */
const pageEdgeId = z.preprocess((v) => (v === '' ? undefined : v), id.optional());

export const searchMetaSchema = z.object({
  result_count: z.number().int().nonnegative(),
  newest_id: pageEdgeId,
  oldest_id: pageEdgeId,
  next_token: z.string().min(1).optional(),
});

const count = z.number().int().nonnegative();

/** Counts in either dialect: v2.152's `tweet_count`/`total_tweet_count`, v2.167's `post_count`/`total_post_count`. */
export const countsBodySchema = z.object({
  data: z
    .array(
      z
        .object({ start: instant, end: instant, tweet_count: count.optional(), post_count: count.optional() })
        .transform((b, ctx) => {
          const n = b.tweet_count ?? b.post_count;
          if (n === undefined) {
            ctx.addIssue({ code: 'custom', message: 'expected tweet_count or post_count' });
            return z.NEVER;
          }
          return { start: b.start, end: b.end, count: n };
        }),
    )
    .default([]),
  meta: z
    .object({
      total_tweet_count: count.optional(),
      total_post_count: count.optional(),
      next_token: z.string().min(1).optional(),
    })
    .default({}),
});

/** The spec types usage figures as strings; X's answers (and x-sim's) carry numbers: read both. */
const usageFigure = z.union([count, z.string().regex(/^\d+$/).transform(Number)]);

/** `GET /2/usage/tweets`: posts X counted per day for the project. */
export const usageBodySchema = z.object({
  data: z.object({
    project_usage: usageFigure.optional(),
    project_cap: usageFigure.optional(),
    cap_reset_day: z.number().int().optional(),
    daily_project_usage: z
      .object({
        usage: z.array(z.object({ date: instant, usage: usageFigure.nullable().optional() })).default([]),
      })
      .optional(),
  }),
});

/** The first problem zod found, as `path: message`, for logs and `RejectedPost.reason`. */
export function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
