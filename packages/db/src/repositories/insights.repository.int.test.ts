import { type Author, type Post, ZERO_METRICS } from '@tagpulse/core';
import {
  createTestDatabase,
  makeAuthor,
  NO_METRICS,
  postAt,
  storePosts,
  type TestDatabase,
} from '@tagpulse/testkit/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHashtag } from './hashtags.repository.js';
import {
  periodsTotals,
  periodTotals,
  type ScopeRange,
  type TopPostsBy,
  topPosts,
} from './insights.repository.js';
import { markDirty, recomputeDirty } from './rollup-outbox.repository.js';
import { ALL_SCOPE, scopeMetrics, TOP_POSTS_PER_HOUR } from './rollups.repository.js';

/** The same spread of posts on every run: draws from Knuth's multiplicative hash of a counter. */
function draws(): () => number {
  let n = 0;
  return () => {
    n += 1;
    return (Math.imul(n, 2_654_435_761) >>> 0) / 4_294_967_296;
  };
}

const TAGS = ['virtualctweek', 'uncctexpo'];
const authors: Author[] = Array.from({ length: 25 }, (_, i) =>
  makeAuthor({ id: String(500 + i), username: `a${i}`, followers: ((i * 7919) % 1000) * 100 }),
);

// 10:00–13:00 UTC on one day; the 11:00 hour holds more posts than an hour keeps candidates for.
function world(): Post[] {
  const rand = draws();
  const kinds = ['original', 'reply', 'quote', 'repost'] as const;
  const posts: Post[] = [];
  const start = Date.parse('2020-07-06T10:00:00Z');
  for (let i = 0; i < 420; i++) {
    const inBusyHour = i >= 100 && i < 100 + TOP_POSTS_PER_HOUR + 60;
    const ms = inBusyHour
      ? Date.parse('2020-07-06T11:00:00Z') + Math.floor(rand() * 3_600_000)
      : start + Math.floor(rand() * 3 * 3_600_000);
    const author = authors[Math.floor(rand() * authors.length)] as Author;
    const tags = rand() < 0.3 ? [...TAGS] : [TAGS[Math.floor(rand() * 2)] as string];
    if (rand() < 0.2) tags.push('untracked');
    posts.push(
      postAt(new Date(ms).toISOString(), author, kinds[Math.floor(rand() * 4)] ?? 'original', tags, {
        lowBits: i,
        metrics: {
          ...NO_METRICS,
          likes: Math.floor(rand() * 50),
          replies: Math.floor(rand() * 5),
          impressions: Math.floor(rand() * 5_000),
        },
      }),
    );
  }
  return posts;
}

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
  for (const key of TAGS) await addHashtag(testDb.db, { key, display: key });
  const posts = world();
  await storePosts(testDb.db, posts, authors);
  // A few deleted posts must leave every figure.
  const deleted = posts.filter((_, i) => i % 37 === 0);
  await sql`update posts set deleted_at = now() where edit_root_id = any(${deleted.map((p) => p.editRootId)}::text[])`.execute(
    testDb.db,
  );
  await markDirty(testDb.db, deleted);
  while ((await recomputeDirty(testDb.db, 500)) > 0);
});
afterAll(async () => {
  await testDb?.drop();
});

const SCOPES = [
  { scope: 'virtualctweek', tags: ['virtualctweek'] },
  { scope: ALL_SCOPE, tags: TAGS },
];
// Aligned to hours, to 5 minutes, to nothing, and shorter than a bucket.
const PERIODS = [
  ['2020-07-06T10:00:00Z', '2020-07-06T13:00:00Z'],
  ['2020-07-06T10:05:00Z', '2020-07-06T12:35:00Z'],
  ['2020-07-06T10:17:31Z', '2020-07-06T12:48:02Z'],
  ['2020-07-06T11:01:10Z', '2020-07-06T11:03:20Z'],
  ['2020-07-06T10:58:00Z', '2020-07-06T11:02:00Z'],
];

function ranges(): ScopeRange[] {
  return SCOPES.flatMap((s) =>
    PERIODS.map(([from, to]) => ({ ...s, from: new Date(from!), to: new Date(to!) })),
  );
}

describe('period totals', () => {
  it('equal the metrics computed from the posts of the whole period, for any bounds', async () => {
    let posts = 0;
    for (const range of ranges()) {
      const fromPosts = await scopeMetrics(testDb.db, { ...range, starts: [range.from], ends: [range.to] });
      const totals = await periodTotals(testDb.db, range);
      expect(totals, JSON.stringify(range)).toEqual(fromPosts.get(range.from.getTime()) ?? ZERO_METRICS);
      posts += totals.posts;
    }
    expect(posts).toBeGreaterThan(1_000);
  });

  it('of a period and the one before, read together, equal each computed from its posts', async () => {
    for (const range of ranges()) {
      const length = range.to.getTime() - range.from.getTime();
      const before = { from: new Date(range.from.getTime() - length), to: range.from };
      const exact = async (p: { from: Date; to: Date }) =>
        (await scopeMetrics(testDb.db, { ...range, starts: [p.from], ends: [p.to] })).get(p.from.getTime()) ??
        ZERO_METRICS;
      const [current, previous] = await periodsTotals(testDb.db, range, [range, before]);
      expect(current, JSON.stringify(range)).toEqual(await exact(range));
      expect(previous, JSON.stringify(before)).toEqual(await exact(before));
    }
  });

  it('count distinct authors from the stored hour sets, reading the posts of an hour without one', async () => {
    const { db } = testDb;
    // Every hour of every scope has its set: the totals above came from them, not from the posts.
    const stored = await db
      .selectFrom('rollup_hour_authors')
      .select(['scope', 'bucket_start'])
      .where('network', '=', '*')
      .execute();
    for (const scope of ['virtualctweek', 'uncctexpo', ALL_SCOPE]) {
      expect(
        stored
          .filter((r) => r.scope === scope)
          .map((r) => r.bucket_start.toISOString())
          .sort(),
      ).toEqual(['2020-07-06T10:00:00.000Z', '2020-07-06T11:00:00.000Z', '2020-07-06T12:00:00.000Z']);
    }
    // A period from before the first post to after the last: hours without a set at both ends.
    const range = {
      scope: ALL_SCOPE,
      tags: TAGS,
      from: new Date('2020-07-06T08:00:00Z'),
      to: new Date('2020-07-06T15:00:00Z'),
    };
    const fromPosts = (await scopeMetrics(db, { ...range, starts: [range.from], ends: [range.to] })).get(
      range.from.getTime(),
    );
    const exact = { unique_authors: fromPosts?.unique_authors, potential_reach: fromPosts?.potential_reach };
    expect(exact.unique_authors).toBeGreaterThan(5);
    expect(await periodTotals(db, range)).toMatchObject(exact);
    const saved = await db.selectFrom('rollup_hour_authors').selectAll().execute();
    try {
      // Emptied sets give other numbers: the union reads them...
      await db
        .updateTable('rollup_hour_authors')
        .set({ authors: Buffer.alloc(0) })
        .where('scope', '=', ALL_SCOPE)
        .execute();
      expect((await periodTotals(db, range)).unique_authors).toBe(0);
      // ...and an hour without a set is read from its posts.
      await db.deleteFrom('rollup_hour_authors').where('scope', '=', ALL_SCOPE).execute();
      expect(await periodTotals(db, range)).toMatchObject(exact);
    } finally {
      await db.deleteFrom('rollup_hour_authors').execute();
      await db.insertInto('rollup_hour_authors').values(saved).execute();
    }
  });
});

/** The top posts straight from the posts: what the candidates must reproduce. */
async function topFromPosts(range: ScopeRange, by: TopPostsBy, limit: number): Promise<string[]> {
  const value = {
    engagements: sql.raw(
      "case when p.kind = 'repost' then 0 else p.like_count + p.repost_count + p.reply_count + p.quote_count + p.bookmark_count end",
    ),
    impressions: sql.raw('p.impression_count'),
    reach: sql.raw('coalesce(a.followers_count, 0)'),
    followers: sql.raw('coalesce(a.followers_count, 0)'),
  }[by];
  const { rows } = await sql<{ id: string }>`
    select p.id from posts p left join authors a on a.id = p.author_id
    where p.deleted_at is null and p.created_at >= ${range.from} and p.created_at < ${range.to}
      and exists (select 1 from post_hashtags ph where ph.post_id = p.edit_root_id
        and ph.created_at = p.created_at and ph.tag_key = any(${range.tags}::text[]))
    order by ${value} desc, p.created_at desc, p.edit_root_id limit ${limit}`.execute(testDb.db);
  return rows.map((r) => r.id);
}

describe('top posts', () => {
  it('equal the ranking of every post in the period, whole hours and slivers alike', async () => {
    let compared = 0;
    for (const range of ranges()) {
      for (const by of ['engagements', 'impressions', 'reach'] as const) {
        for (const limit of [1, 10, TOP_POSTS_PER_HOUR]) {
          const expected = await topFromPosts(range, by, limit);
          const got = (await topPosts(testDb.db, range, { by, limit })).map((p) => p.id);
          expect(got, `${JSON.stringify(range)} by ${by} limit ${limit}`).toEqual(expected);
          compared += got.length;
        }
      }
    }
    // The busy hour alone has more posts than its stored candidates.
    expect(compared).toBeGreaterThan(2_000);
  });

  it('refuse a limit past what an hour keeps', async () => {
    const [range] = ranges();
    await expect(
      topPosts(testDb.db, range!, { by: 'engagements', limit: TOP_POSTS_PER_HOUR + 1 }),
    ).rejects.toThrow(RangeError);
  });
});
