import { type Author, type Post, ZERO_METRICS } from '@tagpulse/core';
import {
  createTestDatabase,
  makeAuthor,
  NO_METRICS,
  postAt,
  storePosts,
  type TestDatabase,
} from '@tagpulse/testkit/db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../database.js';
import { addHashtag } from './hashtags.repository.js';
import {
  periodsFigures,
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
  // Most of the busy hour: its stored top posts inside the period hold a small limit's, not a large one's.
  ['2020-07-06T11:10:00Z', '2020-07-06T13:00:00Z'],
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

  it('give the additive sums in another network with the same statements, for periods that overlap too', async () => {
    for (const range of ranges()) {
      const length = range.to.getTime() - range.from.getTime();
      // The period before, and one overlapping both (its slivers cross theirs).
      const before = { from: new Date(range.from.getTime() - length), to: range.from };
      const across = {
        from: new Date(range.from.getTime() - length / 3),
        to: new Date(range.to.getTime() - length / 3),
      };
      const periods = [range, before, across] as const;
      const exact = async (p: { from: Date; to: Date }, network: '*' | 'x') => {
        const {
          unique_authors: _u,
          potential_reach: _r,
          ...sums
        } = (await scopeMetrics(testDb.db, { ...range, network, starts: [p.from], ends: [p.to] })).get(
          p.from.getTime(),
        ) ?? ZERO_METRICS;
        return sums;
      };
      const { totals, sums } = await periodsFigures(testDb.db, range, periods, { sumsIn: 'x' });
      for (const [i, p] of periods.entries()) {
        expect(totals[i], JSON.stringify(p)).toMatchObject(await exact(p, '*'));
        expect(sums?.[i], JSON.stringify(p)).toEqual(await exact(p, 'x'));
      }
      expect((await periodsFigures(testDb.db, range, periods)).sums).toBeUndefined();
      // The asked network again: its sums once, not twice.
      const same = await periodsFigures(testDb.db, { ...range, network: 'x' }, periods, { sumsIn: 'x' });
      for (const [i, p] of periods.entries()) expect(same.sums?.[i]).toEqual(await exact(p, 'x'));
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

describe('period totals over whole days', () => {
  // Four finished UTC days of posts (2020-07-01 to 07-04), none on 07-05: whole days are read from
  // day sets, hours at the edges from hour sets, slivers from posts.
  let days: TestDatabase;
  const FIRST = Date.parse('2020-07-01T00:00:00Z');
  beforeAll(async () => {
    days = await createTestDatabase();
    for (const key of TAGS) await addHashtag(days.db, { key, display: key });
    const rand = draws();
    const posts = Array.from({ length: 600 }, (_, i) => {
      const author = authors[Math.floor(rand() * authors.length)] as Author;
      const tags = rand() < 0.3 ? [...TAGS] : [TAGS[Math.floor(rand() * 2)] as string];
      return postAt(
        // About 6 posts an hour: every hour of the four days has a set.
        new Date(FIRST + Math.floor(((i + rand()) * 4 * 86_400_000) / 600)).toISOString(),
        author,
        'original',
        tags,
        {
          lowBits: i,
        },
      );
    });
    await storePosts(days.db, posts, authors);
    while ((await recomputeDirty(days.db, 500)) > 0);
  });
  afterAll(async () => {
    await days?.drop();
  });

  // All whole days; whole days between partial ones; two Kolkata days (18:30 UTC to 18:30 UTC:
  // one whole UTC day inside); from before the first post to a day without posts.
  const DAY_PERIODS = [
    ['2020-07-01T00:00:00Z', '2020-07-05T00:00:00Z'],
    ['2020-07-01T05:17:31Z', '2020-07-04T20:48:02Z'],
    ['2020-07-01T18:30:00Z', '2020-07-03T18:30:00Z'],
    ['2020-06-30T22:00:00Z', '2020-07-06T02:00:00Z'],
  ];
  const dayRanges = (): ScopeRange[] => [
    ...SCOPES.flatMap((s) =>
      DAY_PERIODS.map(([from, to]) => ({ ...s, from: new Date(from!), to: new Date(to!) })),
    ),
    {
      scope: ALL_SCOPE,
      tags: TAGS,
      network: 'x',
      from: new Date('2020-07-01T05:00:00Z'),
      to: new Date('2020-07-05T00:00:00Z'),
    },
  ];
  const exact = async (range: ScopeRange) =>
    (await scopeMetrics(days.db, { ...range, starts: [range.from], ends: [range.to] })).get(
      range.from.getTime(),
    ) ?? ZERO_METRICS;
  /** Runs `body` in a transaction rolled back after it: what it changes, it alone sees. */
  async function rolledBack(db: Kysely<Database>, body: (trx: Kysely<Database>) => Promise<void>) {
    const undo = new Error('rolled back');
    await expect(
      db.transaction().execute(async (trx) => {
        await body(trx);
        throw undo;
      }),
    ).rejects.toBe(undo);
  }
  const dayRows = () =>
    days.db.selectFrom('rollup_day_authors').selectAll().orderBy(['scope', 'network', 'day_start']).execute();

  it('equal the metrics computed from the posts, read from a day set per finished day', async () => {
    const stored = await dayRows();
    for (const scope of ['virtualctweek', 'uncctexpo', ALL_SCOPE]) {
      expect(
        stored
          .filter((r) => r.scope === scope && r.network === '*')
          .map((r) => [r.day_start.toISOString(), r.hours]),
      ).toEqual(['01', '02', '03', '04'].map((d) => [`2020-07-${d}T00:00:00.000Z`, 24]));
    }
    for (const range of dayRanges()) {
      const totals = await periodTotals(days.db, range);
      expect(totals, JSON.stringify(range)).toEqual(await exact(range));
      expect(totals.unique_authors).toBeGreaterThan(5);
    }
    // The day sets are what was read: emptied, the whole days count no author.
    await rolledBack(days.db, async (trx) => {
      await trx
        .updateTable('rollup_day_authors')
        .set({ authors: Buffer.alloc(0) })
        .execute();
      const [range] = dayRanges();
      expect((await periodTotals(trx, range!)).unique_authors).toBe(0);
    });
  });

  it('read the hours of a day whose hours changed since its set, and merge it again on a late post', async () => {
    const { db } = days;
    const stored = await dayRows();
    await rolledBack(db, async (trx) => {
      // An hour of 07-02 recomputed after its day's set, now holding an author no other hour
      // has: the day's set no longer answers for that day, its hours do.
      await sql`update rollup_hour_authors set authors = int4send(999999) || int4send(1), computed_at = now()
        where bucket_start = '2020-07-02T10:00:00Z'`.execute(trx);
      const union = () => Promise.all(dayRanges().map((r) => periodTotals(trx, r)));
      const stale = await union();
      const [whole] = dayRanges();
      expect(stale[0]?.unique_authors).toBe((await exact(whole!)).unique_authors + 1);
      await trx.deleteFrom('rollup_day_authors').execute();
      expect(stale).toEqual(await union());
    });
    // Late posts into the finished 07-02: by a new author, and by one already counted that day.
    const late = makeAuthor({ id: '900', username: 'late', followers: 4_321 });
    await storePosts(
      db,
      [
        postAt('2020-07-02T13:14:15Z', late, 'original', ['virtualctweek']),
        postAt('2020-07-02T13:20:00Z', authors[3] as Author, 'original', [...TAGS], { lowBits: 901 }),
      ],
      [late, authors[3] as Author],
    );
    while ((await recomputeDirty(db, 500)) > 0);
    const merged = (await dayRows()).filter((r) => r.day_start.toISOString() === '2020-07-02T00:00:00.000Z');
    const before = stored.filter((r) => r.day_start.toISOString() === '2020-07-02T00:00:00.000Z');
    expect(merged.map((r) => [r.scope, r.network])).toEqual(before.map((r) => [r.scope, r.network]));
    merged.forEach((r, i) => {
      expect(r.computed_at.getTime()).toBeGreaterThan(before[i]!.computed_at.getTime());
      expect(r.hours_stamp).not.toBe(before[i]!.hours_stamp);
    });
    for (const range of dayRanges())
      expect(await periodTotals(db, range), JSON.stringify(range)).toEqual(await exact(range));
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
