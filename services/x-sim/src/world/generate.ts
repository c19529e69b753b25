import { hashtagKey, snowflakeAt } from '@tagpulse/core';
import { cumulativeWeights, type Random } from '../random.js';
import type { Scenario } from '../scenario/scenario-schema.js';
import type { Authors, SimUser } from './authors.js';
import type { Metrics, PostKind, SimMedia, SimPost, Version } from './post.js';
import type { TagPool } from './rates.js';
import { EDIT_NOTES, type PostText, phrasesFor, repostText, TextBuilder } from './text.js';

export const KINDS: readonly PostKind[] = ['original', 'repost', 'reply', 'quote'];
const EDIT_WINDOW_MS = 30 * 60_000;

/**
 * The low 22 bits of every post id: version (3 bits), how many slices after its
 * home slice the version was created (6), and the post's index in that slice
 * (13). An id alone thus leads back to the slice that generates it.
 */
export const INDEX_BITS = 13;
export const MAX_POSTS_PER_SLICE = (1 << INDEX_BITS) - 1;
const DELTA_BITS = 6;

export function lowBits(version: number, delta: number, index: number): number {
  return (version << (INDEX_BITS + DELTA_BITS)) | (delta << INDEX_BITS) | index;
}

export function decodeLowBits(low: number): { version: number; delta: number; index: number } {
  return {
    version: low >>> (INDEX_BITS + DELTA_BITS),
    delta: (low >>> INDEX_BITS) & ((1 << DELTA_BITS) - 1),
    index: low & ((1 << INDEX_BITS) - 1),
  };
}

/** What the generator needs from the world, built once per scenario and seed. */
export interface GenContext {
  scenario: Scenario;
  authors: Authors;
  langs: string[];
  langCumulative: number[];
  baseTags: string[];
}

export function genContext(scenario: Scenario, authors: Authors): GenContext {
  return {
    scenario,
    authors,
    langs: Object.keys(scenario.languages),
    langCumulative: cumulativeWeights(Object.values(scenario.languages)),
    baseTags: scenario.hashtags.map((h) => h.tag),
  };
}

interface Shell {
  kind: PostKind;
  slice: number;
  index: number;
  createdMs: number;
}

/** An original post: its text, hashtags, media, edits, deletion and reach, all drawn from `rng`. */
export function makeOriginal(ctx: GenContext, rng: Random, shell: Shell, pool: TagPool): SimPost {
  const author = ctx.authors.pick(rng);
  const lang = pickLang(ctx, rng, author);
  const tags = pickTags(ctx, rng, pool);
  const sentences = pickSentences(rng, lang);
  const leadTag = rng.chance(0.2);
  const hasMedia = rng.chance(ctx.scenario.media_rate);
  const editTimes = drawEdits(ctx, rng, shell.createdMs);
  const post = basePost(ctx, rng, shell, author, lang, tags);
  post.media = hasMedia ? makeMedia(rng, shell) : null;
  const compose = (editNote: string) => {
    const b = new TextBuilder();
    const [first, ...rest] = tags;
    if (leadTag && first) b.hashtag(first).add(': ');
    b.add(sentences + editNote);
    for (const tag of leadTag ? rest : tags) b.add(' ').hashtag(tag);
    if (post.media) b.add(' ').url(mediaUrl(post.media, author.username, shell));
    return b.build();
  };
  post.versions = [shell.createdMs, ...editTimes].map((ms, n) =>
    makeVersion(post, n, ms, compose(n === 0 ? '' : (EDIT_NOTES[lang] ?? EDIT_NOTES.en ?? ''))),
  );
  return post;
}

/** A reply, quote or repost of `target`, drawn from `rng`. */
export function makeDerived(
  ctx: GenContext,
  rng: Random,
  shell: Shell,
  pool: TagPool,
  target: SimPost,
): SimPost {
  const author = ctx.authors.pick(rng);
  const original = target.versions[0];
  if (!original) throw new Error('a referenced post has no version');
  if (shell.kind === 'repost') {
    const post = basePost(ctx, rng, shell, author, target.lang, []);
    post.ref = target;
    post.tagKeys = target.tagKeys;
    post.versions = [
      makeVersion(
        post,
        0,
        shell.createdMs,
        repostText(original.text, target.author.username, target.author.id),
      ),
    ];
    return post;
  }
  const lang = pickLang(ctx, rng, author);
  const tags = pickTags(ctx, rng, pool);
  const post = basePost(ctx, rng, shell, author, lang, tags);
  post.ref = target;
  const b = new TextBuilder();
  if (shell.kind === 'reply') b.mention(target.author.username, target.author.id).add(' ');
  b.add(pickSentences(rng, lang));
  for (const tag of tags) b.add(' ').hashtag(tag);
  post.versions = [makeVersion(post, 0, shell.createdMs, b.build())];
  return post;
}

function basePost(
  ctx: GenContext,
  rng: Random,
  shell: Shell,
  author: SimUser,
  lang: string,
  tags: string[],
): SimPost {
  const { deletions, searchable_delay_seconds: delay } = ctx.scenario;
  const deleted = rng.chance(deletions.rate);
  const afterMs = rng.between(deletions.after_minutes.min, deletions.after_minutes.max) * 60_000;
  return {
    kind: shell.kind,
    slice: shell.slice,
    index: shell.index,
    versions: [],
    deletedMs: deleted ? shell.createdMs + Math.round(afterMs) : null,
    author,
    lang,
    tagKeys: [...new Set(tags.map(foldTag))],
    ref: null,
    media: null,
    searchableDelayMs: Math.round(rng.between(delay.min, delay.max) * 1000),
    finals: drawFinals(rng, author.followers),
  };
}

function makeVersion(post: SimPost, n: number, ms: number, text: PostText): Version {
  const delta = Math.floor(ms / 60_000) - post.slice;
  const id = snowflakeAt(ms, lowBits(n, delta, post.index));
  return { id, idNum: BigInt(id), n, createdMs: ms, createdAt: secondIso(ms), text, post };
}

const folded = new Map<string, string>();

/** hashtagKey, memoised: a world spells its few hashtags a handful of ways, millions of times. */
function foldTag(tag: string): string {
  let key = folded.get(tag);
  if (key === undefined) {
    key = hashtagKey(tag);
    folded.set(tag, key);
  }
  return key;
}

/** X shows created_at to the second, with a `.000` millisecond part. */
export function secondIso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

function drawEdits(ctx: GenContext, rng: Random, createdMs: number): number[] {
  const { rate, max_edits } = ctx.scenario.edits;
  if (!rng.chance(rate)) return [];
  const count = rng.int(1, max_edits);
  const times = Array.from({ length: count }, () => createdMs + rng.int(1_000, EDIT_WINDOW_MS - 1));
  return [...new Set(times)].sort((a, b) => a - b);
}

function pickLang(ctx: GenContext, rng: Random, author: SimUser): string {
  return rng.chance(0.85) ? author.lang : (ctx.langs[rng.weighted(ctx.langCumulative)] ?? 'en');
}

function pickSentences(rng: Random, lang: string): string {
  const phrases = phrasesFor(lang);
  const first = rng.pick(phrases);
  return rng.chance(0.5) ? `${first} ${rng.pick(phrases)}` : first;
}

/** The post's hashtags as its author typed them: mostly canonical, some lower, upper or accented. */
function pickTags(ctx: GenContext, rng: Random, pool: TagPool): string[] {
  const tags = [pool.tags[rng.weighted(pool.cumulative)] ?? ''];
  if (ctx.baseTags.length > 1 && rng.chance(ctx.scenario.cooccurrence)) {
    const other = rng.pick(ctx.baseTags.filter((t) => t !== tags[0]));
    tags.push(other);
  }
  for (const extra of ctx.scenario.extra_hashtags) if (rng.chance(extra.rate)) tags.push(extra.tag);
  return tags.map((tag) => spell(rng, tag));
}

function spell(rng: Random, tag: string): string {
  const r = rng.next();
  if (r < 0.8) return tag;
  if (r < 0.9) return tag.toLowerCase();
  if (r < 0.95) return tag.toUpperCase();
  return tag.replace(/[eao]/, (c) => ({ e: 'é', a: 'á', o: 'ó' })[c as 'e' | 'a' | 'o']);
}

function drawFinals(rng: Random, followers: number): Metrics {
  const impressions = Math.round(followers * rng.between(0.02, 0.3) + rng.between(5, 200));
  const likes = Math.round(impressions * rng.between(0.002, 0.04));
  return {
    impression_count: impressions,
    like_count: likes,
    retweet_count: Math.round(likes * rng.between(0.05, 0.4)),
    reply_count: Math.round(likes * rng.between(0.02, 0.15)),
    quote_count: Math.round(likes * rng.between(0, 0.05)),
    bookmark_count: Math.round(likes * rng.between(0, 0.1)),
  };
}

function makeMedia(rng: Random, shell: Shell): SimMedia {
  const video = rng.chance(0.25);
  // Media keys are `<type>_<id>`: 3 for photos, 7 for videos.
  const key = `${video ? 7 : 3}_${snowflakeAt(shell.createdMs, lowBits(0, 0, shell.index))}`;
  return {
    key,
    type: video ? 'video' : 'photo',
    width: video ? 1280 : 1200,
    height: video ? 720 : rng.pick([675, 800, 1200]),
    durationMs: video ? rng.int(5_000, 180_000) : null,
    views: video ? rng.int(100, 50_000) : null,
    altText: !video && rng.chance(0.4) ? 'Speakers on a video call during the session' : null,
  };
}

function mediaUrl(media: SimMedia, username: string, shell: Shell) {
  const code = (shell.createdMs * 8192 + shell.index).toString(36).slice(-10);
  const kind = media.type === 'video' ? 'video' : 'photo';
  return {
    url: `https://t.co/${code}`,
    expanded_url: `https://x.com/${username}/status/${media.key.split('_')[1]}/${kind}/1`,
    display_url: `pic.x.com/${code}`,
    media_key: media.key,
  };
}
