import { createTestDatabase, makeAuthor, makePost, type TestDatabase } from '@tagpulse/testkit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCursor, getCursor } from './cursors.repository.js';
import { type PageToStore, storePage } from './page-store.repository.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

let n = 0;
async function freshCursor(): Promise<string> {
  const queryKey = `q-store-${++n}`;
  await ensureCursor(t.db, {
    queryKey,
    query: '(#VirtualCTWeek)',
    tagKeys: ['virtualctweek'],
    sinceId: null,
  });
  return queryKey;
}

async function store(queryKey: string, page: Omit<PageToStore, 'cursor' | 'seenAt'> & { seenAt?: Date }) {
  const cursor = await getCursor(t.db, queryKey);
  return storePage(t.db, {
    seenAt: new Date('2020-07-06T14:01:00Z'),
    ...page,
    cursor: { queryKey, expectedVersion: cursor!.version, patch: { cycle_until_id: '42', status: 'ok' } },
  });
}

function postRow(editRootId: string) {
  return t.db
    .selectFrom('posts')
    .selectAll()
    .where('edit_root_id', '=', editRootId)
    .executeTakeFirstOrThrow();
}

describe('storePage', () => {
  it('stores posts, authors and every hashtag link, and advances the cursor with the page', async () => {
    const q = await freshCursor();
    const post = makePost({
      createdAt: new Date('2020-07-06T13:00:00Z'),
      hashtags: ['virtualctweek', 'pve'],
    });
    expect(await store(q, { posts: [post], authors: [makeAuthor()], rejected: 2 })).toEqual({
      committed: true,
      posts: 1,
    });
    const links = await t.db.selectFrom('post_hashtags').selectAll().where('post_id', '=', post.id).execute();
    expect(links.map((l) => l.tag_key).sort()).toEqual(['pve', 'virtualctweek']);
    const cursor = await getCursor(t.db, q);
    expect(cursor).toMatchObject({ cycle_until_id: '42', version: 1, posts_stored: 1, posts_rejected: 2 });
    const row = await postRow(post.id);
    expect(row).toMatchObject({ refresh_stage: 1, refresh_due_at: new Date('2020-07-07T13:00:00Z') });
  });

  it('is idempotent: a page read twice changes nothing but last_seen_at', async () => {
    const q = await freshCursor();
    const post = makePost({ createdAt: new Date('2020-07-06T14:10:00Z') });
    await store(q, { posts: [post], authors: [makeAuthor()], rejected: 0 });
    const first = await postRow(post.id);
    await store(q, {
      posts: [post],
      authors: [makeAuthor()],
      rejected: 0,
      seenAt: new Date('2020-07-06T14:05:00Z'),
    });
    const second = await postRow(post.id);
    expect({ ...second, last_seen_at: first.last_seen_at }).toEqual(first);
    expect(second.last_seen_at).toEqual(new Date('2020-07-06T14:05:00Z'));
    const links = await t.db.selectFrom('post_hashtags').selectAll().where('post_id', '=', post.id).execute();
    expect(links).toHaveLength(1);
  });

  it('keeps the newest metrics and author figures, whatever order the readings arrive in', async () => {
    const q = await freshCursor();
    const createdAt = new Date('2020-07-06T14:20:00Z');
    const later = makePost({
      createdAt,
      metrics: { likes: 9, reposts: 3, replies: 1, quotes: 0, bookmarks: 0, impressions: 500 },
      observedAt: new Date('2020-07-06T15:00:00Z'),
    });
    const earlier = {
      ...later,
      metrics: { ...later.metrics, likes: 1 },
      observedAt: new Date('2020-07-06T14:30:00Z'),
    };
    const authorId = '42';
    await store(q, {
      posts: [later],
      authors: [makeAuthor({ id: authorId, followers: 200, observedAt: new Date('2020-07-06T15:00:00Z') })],
      rejected: 0,
    });
    await store(q, {
      posts: [earlier],
      authors: [makeAuthor({ id: authorId, followers: 100, observedAt: new Date('2020-07-06T14:30:00Z') })],
      rejected: 0,
    });
    expect(await postRow(later.id)).toMatchObject({ like_count: 9, impression_count: 500 });
    const author = await t.db
      .selectFrom('authors')
      .selectAll()
      .where('id', '=', authorId)
      .executeTakeFirstOrThrow();
    expect(author.followers_count).toBe(200);
  });

  it('replaces id and text when a newer version of an edited post arrives, in the same row', async () => {
    const q = await freshCursor();
    const original = makePost({
      createdAt: new Date('2020-07-06T14:30:00Z'),
      text: 'Opening #VirtualCTWeek tday',
    });
    const edited = makePost({
      ...original,
      id: makePost({ createdAt: new Date('2020-07-06T14:35:00Z') }).id,
      text: 'Opening #VirtualCTWeek today',
      observedAt: new Date('2020-07-06T14:36:00Z'),
    });
    await store(q, { posts: [original], authors: [], rejected: 0 });
    await store(q, { posts: [edited], authors: [], rejected: 0 });
    // An older version read again afterwards does not win back.
    await store(q, { posts: [original], authors: [], rejected: 0 });
    const rows = await t.db.selectFrom('posts').selectAll().where('edit_root_id', '=', original.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: edited.id, text: 'Opening #VirtualCTWeek today' });
  });

  it('creates the month partition a post needs', async () => {
    const q = await freshCursor();
    const post = makePost({ createdAt: new Date('2021-02-01T00:00:00Z') });
    await store(q, { posts: [post], authors: [], rejected: 0 });
    expect((await postRow(post.id)).id).toBe(post.id);
  });

  it('leaves the cursor and every table as they were when the page fails to commit', async () => {
    const q = await freshCursor();
    const good = makePost({ createdAt: new Date('2020-07-06T16:00:00Z') });
    const bad = makePost({ createdAt: new Date('2020-07-06T16:01:00Z'), kind: 'bogus' as 'original' });
    await expect(
      store(q, { posts: [good, bad], authors: [makeAuthor({ id: '77' })], rejected: 0 }),
    ).rejects.toThrow(/check constraint/);
    expect(await getCursor(t.db, q)).toMatchObject({ version: 0, cycle_until_id: null, posts_stored: 0 });
    const rows = await t.db.selectFrom('posts').select('id').where('id', 'in', [good.id, bad.id]).execute();
    expect(rows).toEqual([]);
    expect(await t.db.selectFrom('authors').select('id').where('id', '=', '77').execute()).toEqual([]);
  });

  it('writes nothing when another writer moved the cursor first', async () => {
    const q = await freshCursor();
    const stale = (await getCursor(t.db, q))!.version;
    await store(q, { posts: [], authors: [], rejected: 0 });
    const post = makePost({ createdAt: new Date('2020-07-06T17:00:00Z') });
    const result = await storePage(t.db, {
      posts: [post],
      authors: [],
      rejected: 0,
      seenAt: new Date(),
      cursor: { queryKey: q, expectedVersion: stale, patch: { cycle_until_id: '43' } },
    });
    expect(result).toEqual({ committed: false, reason: 'stale-cursor' });
    expect(await t.db.selectFrom('posts').select('id').where('id', '=', post.id).execute()).toEqual([]);
    expect((await getCursor(t.db, q))?.cycle_until_id).toBe('42');
  });

  // Links have no foreign key to their post (migration 0025): the page statement is what keeps
  // every link's post stored, whichever way a page ends.
  it('stores a hashtag link only with its post: not for a stale writer, a failed page or a lost race', async () => {
    const q = await freshCursor();
    const at = (minute: number) => new Date(`2020-07-06T19:${minute}:00Z`);
    const kept = makePost({ createdAt: at(10), hashtags: ['virtualctweek', 'linked'] });
    await store(q, { posts: [kept], authors: [], rejected: 0 });
    const stale = (await getCursor(t.db, q))!.version - 1;
    const dropped = makePost({ createdAt: at(11), hashtags: ['linked'] });
    expect(
      await storePage(t.db, {
        posts: [dropped],
        authors: [],
        rejected: 0,
        seenAt: new Date(),
        cursor: { queryKey: q, expectedVersion: stale, patch: { cycle_until_id: '44' } },
      }),
    ).toEqual({ committed: false, reason: 'stale-cursor' });
    const failed = makePost({ createdAt: at(12), hashtags: ['linked'] });
    const bogus = makePost({ createdAt: at(13), hashtags: ['linked'], kind: 'bogus' as 'original' });
    await expect(store(q, { posts: [failed, bogus], authors: [], rejected: 0 })).rejects.toThrow(
      /check constraint/,
    );
    const version = (await getCursor(t.db, q))!.version;
    const racers = [at(14), at(15)].map((createdAt) => makePost({ createdAt, hashtags: ['linked'] }));
    await Promise.all(
      racers.map((post, i) =>
        storePage(t.db, {
          posts: [post],
          authors: [],
          rejected: 0,
          seenAt: new Date(),
          cursor: { queryKey: q, expectedVersion: version, patch: { cycle_until_id: String(45 + i) } },
        }),
      ),
    );
    const links = await t.db
      .selectFrom('post_hashtags')
      .select(['post_id', 'tag_key'])
      .where('tag_key', '=', 'linked')
      .execute();
    const stored = await t.db
      .selectFrom('posts')
      .select('edit_root_id')
      .where(
        'edit_root_id',
        'in',
        racers.map((p) => p.id),
      )
      .execute();
    expect(stored).toHaveLength(1);
    expect(links.map((l) => l.post_id).sort()).toEqual([kept.id, stored[0]!.edit_root_id].sort());
    const orphans = await t.db
      .selectFrom('post_hashtags as ph')
      .select('ph.post_id')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('posts as p')
              .select('p.id')
              .whereRef('p.edit_root_id', '=', 'ph.post_id')
              .whereRef('p.created_at', '=', 'ph.created_at'),
          ),
        ),
      )
      .execute();
    expect(orphans).toEqual([]);
  });

  it('lets exactly one of two concurrent writers of the same cursor version commit', async () => {
    const q = await freshCursor();
    const version = (await getCursor(t.db, q))!.version;
    const page = (minute: number, token: string): PageToStore => ({
      posts: [makePost({ createdAt: new Date(`2020-07-06T18:${minute}:00Z`) })],
      authors: [makeAuthor()],
      rejected: 0,
      seenAt: new Date(),
      cursor: { queryKey: q, expectedVersion: version, patch: { cycle_until_id: token } },
    });
    const results = await Promise.all([storePage(t.db, page(10, '100')), storePage(t.db, page(11, '101'))]);
    expect(results.filter((r) => r.committed)).toHaveLength(1);
    expect((await getCursor(t.db, q))?.version).toBe(version + 1);
  });
});
