import { isTimeZone } from '@tagpulse/core';
import { z } from 'zod';

const isoTime = z.iso.datetime({ offset: true, error: 'expected ISO time' });
const hashtag = z
  .string({ error: 'expected a hashtag' })
  .regex(/^[\p{L}\p{M}\p{N}_]{1,100}$/u, 'expected a hashtag without #: letters, digits, underscores');
const probability = z.number({ error: 'expected a number' }).min(0).max(1);
const positive = z.number({ error: 'expected a number' }).positive();
const range = (unit: string) =>
  z
    .object({ min: z.number().min(0), max: z.number().min(0) })
    .refine((r) => r.min <= r.max, `min must not exceed max (${unit})`);

const hashtagWeights = z.array(z.object({ tag: hashtag, weight: positive.default(1) })).min(1);

/**
 * A scenario describes a world: which hashtags people post, how often (a
 * baseline with a daily cycle in a time zone, scheduled events that raise it,
 * sudden spikes), in which languages, by whom, and how posts are edited,
 * deleted and reposted. The same scenario and seed always give the same world.
 */
export const scenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(''),
    /** IANA zone the daily cycle and event times are read in. */
    timezone: z.string().refine(isTimeZone, 'expected an IANA time zone such as America/New_York'),
    /** Posts exist only in [start, end); the clock starts at `start` unless told otherwise. */
    window: z
      .object({ start: isoTime, end: isoTime })
      .refine((w) => Date.parse(w.start) < Date.parse(w.end), 'start must be before end'),
    hashtags: hashtagWeights,
    /** Chance that a post carries one more of the scenario's hashtags. */
    cooccurrence: probability.default(0.25),
    /** Untracked hashtags sprinkled on posts, each with the chance of appearing. */
    extra_hashtags: z.array(z.object({ tag: hashtag, rate: probability })).default([]),
    baseline: z.object({
      /** Posts per hour at the top of the daily cycle. */
      per_hour: z.number().min(0),
      /** Rate at the quietest hour, as a fraction of the peak; 1 = flat. */
      trough: probability.default(1),
      /** Local hour (0–23) of the peak. */
      peak_hour: z.number().min(0).max(23).default(14),
    }),
    /** Scheduled sessions: the baseline is multiplied while they run. */
    events: z
      .array(
        z
          .object({
            name: z.string().min(1),
            start: isoTime,
            end: isoTime,
            multiplier: z.number().min(1),
            hashtags: hashtagWeights.optional(),
          })
          .refine((e) => Date.parse(e.start) < Date.parse(e.end), 'start must be before end'),
      )
      .default([]),
    /** Sudden bursts: a flat extra rate for a while, on top of everything else. */
    spikes: z
      .array(
        z.object({
          name: z.string().min(1),
          at: isoTime,
          duration_minutes: positive,
          per_minute: positive,
          hashtags: hashtagWeights.optional(),
        }),
      )
      .default([]),
    /** BCP47 language → weight. */
    languages: z.record(z.string().regex(/^[a-z]{2,3}$/, 'expected a language code'), positive),
    authors: z.object({
      count: z.number().int().min(1).max(200_000),
      /** Follower counts of ordinary authors: Pareto with this minimum and tail index. */
      followers: z.object({ min: z.number().int().min(0), alpha: positive }),
      /** Accounts with large audiences; `weight` is their share of all posts. */
      institutional: z
        .array(
          z.object({
            username: z.string().regex(/^[A-Za-z0-9_]{1,15}$/, 'expected an X username'),
            name: z.string().min(1),
            followers: z.number().int().min(0),
            lang: z.string().default('en'),
            weight: probability,
          }),
        )
        .default([]),
    }),
    /** Share of each kind of post; normalised, so only the ratios matter. */
    mix: z.object({
      original: z.number().min(0),
      repost: z.number().min(0),
      reply: z.number().min(0),
      quote: z.number().min(0),
    }),
    media_rate: probability.default(0.15),
    /** Originals edited within the 30-minute edit window (each edit makes a new id). */
    edits: z.object({ rate: probability, max_edits: z.number().int().min(1).max(5).default(1) }).default({
      rate: 0,
      max_edits: 1,
    }),
    deletions: z
      .object({ rate: probability, after_minutes: range('minutes') })
      .default({ rate: 0, after_minutes: { min: 1, max: 60 } }),
    /** Seconds between created_at and the moment search returns the post. */
    searchable_delay_seconds: range('seconds').default({ min: 2, max: 60 }),
    /**
     * The campaign on Mastodon: X carries every post of the world, and this
     * share of its originals is posted on Mastodon too (with their replies and
     * quotes; hashtag timelines show no boosts), each from its author's home
     * instance and federated to each other instance with the chance `federated`,
     * arriving there after a delay. None when absent.
     */
    mastodon: z
      .object({
        share: probability,
        instances: z
          .array(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'expected a domain such as mastodon.social'))
          .min(1)
          .max(8),
        federated: probability.default(0.5),
        federation_delay_seconds: range('seconds').default({ min: 5, max: 120 }),
      })
      .optional(),
    /**
     * The campaign on Bluesky: this share of the originals is posted on Bluesky
     * too (with their replies and quotes; reposts are repost records, not
     * posts), drawn apart from Mastodon's. `tags_only` is the share of those
     * whose client put the hashtags in the record's `tags` instead of
     * faceting them in the text. None when absent.
     */
    bluesky: z.object({ share: probability, tags_only: probability.default(0.2) }).optional(),
  })
  .refine((s) => s.mix.original > 0, {
    message: 'at least some originals are needed',
    path: ['mix', 'original'],
  });

export type Scenario = z.infer<typeof scenarioSchema>;
