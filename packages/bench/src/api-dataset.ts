import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { snowflakeAt } from '@tagpulse/core';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** What `bench api` loads: posts spread evenly over `days` from `start`, across the three seed hashtags. */
export interface DatasetSpec {
  posts: number;
  authors: number;
  start: Date;
  days: number;
}

export const TRACKED = ['virtualctweek', 'uncctexpo', 'unitetocounterterrorism'] as const;
const WEIGHTS = [5, 2, 2];
const LANGS = ['en', 'en', 'en', 'en', 'en', 'fr', 'es', 'ar', 'ru', 'zh'];
const KINDS = ['original', 'repost', 'reply', 'quote'] as const;
const KIND_CUMULATIVE = [0.45, 0.8, 0.92, 1];

/** mulberry32: a small seeded generator, so every run loads the same data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function followersOf(authorIndex: number): number {
  // Pareto (alpha 1.1, minimum 15), as x-sim's scenarios: most accounts small, a few huge.
  const u = random(authorIndex + 1)();
  return Math.min(5_000_000, Math.floor(15 / (1 - u) ** (1 / 1.1)));
}

function authorId(index: number): string {
  return String(1_000_000_000 + index);
}

async function copy(client: pg.PoolClient, statement: string, lines: Iterable<string>): Promise<void> {
  const chunks = function* () {
    let buffer = '';
    for (const line of lines) {
      buffer += line;
      if (buffer.length > 1 << 20) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer) yield buffer;
  };
  await pipeline(Readable.from(chunks()), client.query(copyFrom(statement)));
}

function* authorLines(count: number, observedAt: string): Generator<string> {
  for (let i = 0; i < count; i++) {
    yield `${authorId(i)}\tuser${i}\tUser ${i}\t${followersOf(i)}\t${observedAt}\n`;
  }
}

interface Slice {
  from: number;
  to: number;
}

/** Posts [from, to) and their hashtag links, as COPY text lines of both tables. */
function* postRows(spec: DatasetSpec, { from, to }: Slice): Generator<{ post: string; links: string[] }> {
  const spacing = (spec.days * 86_400_000) / spec.posts;
  const rand = random(from + 7);
  const totalWeight = WEIGHTS.reduce((a, b) => a + b, 0);
  for (let i = from; i < to; i++) {
    // Strictly increasing instants make the snowflake ids unique.
    const ms = spec.start.getTime() + Math.floor(i * spacing);
    const id = snowflakeAt(ms, i % 4_194_304);
    const createdAt = new Date(ms).toISOString();
    let pick = rand() * totalWeight;
    let primary = 0;
    while (pick >= (WEIGHTS[primary] ?? 0)) pick -= WEIGHTS[primary++] ?? 0;
    const tags = new Set<string>([TRACKED[primary] ?? 'virtualctweek']);
    if (rand() < 0.3) tags.add(TRACKED[Math.floor(rand() * TRACKED.length)] ?? 'uncctexpo');
    if (rand() < 0.15) tags.add('counterterrorism');
    const r = rand();
    const kind = KINDS[KIND_CUMULATIVE.findIndex((c) => r < c)] ?? 'original';
    const author = Math.floor(rand() ** 2 * spec.authors);
    const reach = followersOf(author);
    const impressions = kind === 'repost' ? 0 : Math.floor(reach * 0.05 * rand()) + 1;
    const likes = kind === 'repost' ? 0 : Math.floor(impressions * 0.02 * rand());
    const lang = LANGS[Math.floor(rand() * LANGS.length)] ?? 'en';
    const text = `post ${i} ${[...tags].map((t) => `#${t}`).join(' ')}`;
    const aid = authorId(author);
    yield {
      post: `${id}\t${id}\t${aid}\t${createdAt}\t${text}\t${lang}\t${kind}\t${likes}\t${Math.floor(likes / 4)}\t${Math.floor(likes / 6)}\t${Math.floor(likes / 10)}\t${Math.floor(likes / 8)}\t${impressions}\t${createdAt}\t${createdAt}\t${createdAt}\t{}\n`,
      links: [...tags].map((tag) => `${tag}\t${createdAt}\t${id}\t${aid}\n`),
    };
  }
}

function* pick(rows: Iterable<{ post: string; links: string[] }>, part: 'post' | 'links'): Generator<string> {
  for (const row of rows) {
    if (part === 'post') yield row.post;
    else yield* row.links;
  }
}

/**
 * Loads the dataset with COPY, in `parallel` slices of consecutive posts
 * (each slice its posts first, then their links: the links reference them).
 */
export async function loadDataset(pool: pg.Pool, spec: DatasetSpec, parallel: number): Promise<void> {
  const end = new Date(spec.start.getTime() + spec.days * 86_400_000);
  await pool.query('select tagpulse_ensure_month_partitions($1, $2)', [spec.start, end]);
  const admin = await pool.connect();
  try {
    await copy(
      admin,
      'COPY authors (id, username, name, followers_count, observed_at) FROM STDIN',
      authorLines(spec.authors, spec.start.toISOString()),
    );
  } finally {
    admin.release();
  }
  const size = Math.ceil(spec.posts / parallel);
  const slices = Array.from({ length: parallel }, (_, k) => ({
    from: k * size,
    to: Math.min(spec.posts, (k + 1) * size),
  }));
  await Promise.all(
    slices.map(async (slice) => {
      const client = await pool.connect();
      try {
        await copy(
          client,
          `COPY posts (edit_root_id, id, author_id, created_at, text, lang, kind, like_count, repost_count,
            reply_count, quote_count, bookmark_count, impression_count, metrics_observed_at, first_seen_at,
            last_seen_at, raw) FROM STDIN`,
          pick(postRows(spec, slice), 'post'),
        );
        await copy(
          client,
          'COPY post_hashtags (tag_key, created_at, post_id, author_id) FROM STDIN',
          pick(postRows(spec, slice), 'links'),
        );
      } finally {
        client.release();
      }
    }),
  );
  await pool.query('analyze');
}
