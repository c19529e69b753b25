import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationError, migrateDown, migrateToLatest } from './migrate.js';
import { migrations } from './migrations/index.js';

const TABLES = [
  'alert_rules',
  'alert_series_state',
  'alerts',
  'api_keys',
  'author_numbers',
  'authors',
  'backfills',
  'budget_setting',
  'capture_budget',
  'capture_coverage',
  'capture_cursors',
  'capture_gaps',
  'deliveries',
  'hashtags',
  'mastodon_status_locations',
  'post_hashtags',
  'posts',
  'refresh_backoffs',
  'report_schedules',
  'reports',
  'rollup_day_authors',
  'rollup_dirty',
  'rollup_hour_authors',
  'rollup_top_posts',
  'rollup_zones',
  'rollups',
  'search_index_setting',
  'x_billed_reads',
  'x_spend',
  'x_usage_days',
];

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

async function userTables(db: TestDatabase['db']): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
      and c.relname not like 'kysely_%'
    order by 1`.execute(db);
  return rows.map((r) => r.name);
}

describe('migrations', () => {
  it('create every table, with posts and their hashtag links partitioned by month', async () => {
    const { db } = testDb;
    expect(await userTables(db)).toEqual(TABLES);
    const { rows } = await sql<{ name: string; strategy: string; key: string }>`
      select c.relname as name, p.partstrat as strategy, pg_get_partkeydef(c.oid) as key
      from pg_partitioned_table p join pg_class c on c.oid = p.partrelid order by 1`.execute(db);
    expect(rows).toEqual([
      { name: 'post_hashtags', strategy: 'r', key: 'RANGE (created_at)' },
      { name: 'posts', strategy: 'r', key: 'RANGE (created_at)' },
    ]);
  });

  it('route a stored post into its month, created on demand', async () => {
    const { db } = testDb;
    await sql`select tagpulse_ensure_month_partitions('2020-06-30T23:00:00Z', '2020-07-10T00:00:00Z')`.execute(
      db,
    );
    // Twice, as concurrent workers would: creating an existing month is a no-op.
    await sql`select tagpulse_ensure_month_partitions('2020-07-01T00:00:00Z', '2020-07-01T00:00:00Z')`.execute(
      db,
    );
    const createdAt = new Date('2020-07-06T14:00:00Z');
    await db
      .insertInto('authors')
      .values({ id: '1234567890123456789', username: 'un_oct', name: 'UNOCT', observed_at: createdAt })
      .execute();
    await db
      .insertInto('posts')
      .values({
        edit_root_id: '1280147012345678901',
        id: '1280147012345678901',
        author_id: '1234567890123456789',
        created_at: createdAt,
        text: 'Opening #VirtualCTWeek',
        kind: 'original',
        lang: 'en',
        referenced_post_id: null,
        conversation_id: '1280147012345678901',
        metrics_observed_at: createdAt,
        deleted_at: null,
        raw: JSON.stringify({ id: '1280147012345678901' }),
      })
      .execute();
    await db
      .insertInto('post_hashtags')
      .values({
        tag_key: 'virtualctweek',
        created_at: createdAt,
        post_id: '1280147012345678901',
        author_id: '1234567890123456789',
      })
      .execute();
    const { rows } = await sql<{ partition: string; id: string }>`
      select tableoid::regclass::text as partition, id from posts`.execute(db);
    expect(rows).toEqual([{ partition: 'posts_2020_07', id: '1280147012345678901' }]);
    const partitions = await sql<{ name: string }>`
      select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'posts'::regclass order by 1`.execute(db);
    expect(partitions.rows.map((r) => r.name)).toEqual(['posts_2020_06', 'posts_2020_07']);
  });

  it('refuse a post outside every partition rather than lose it silently', async () => {
    await expect(
      sql`insert into posts (edit_root_id, id, author_id, created_at, text, kind, metrics_observed_at, raw)
          values ('1', '1', '1', '2031-01-01T00:00:00Z', 'x', 'original', now(), '{}')`.execute(testDb.db),
    ).rejects.toThrow(/no partition/);
  });

  it('go down to nothing and up again', async () => {
    const { db } = testDb;
    const names = Object.keys(migrations);
    for (const name of [...names].reverse()) {
      expect(await migrateDown(db)).toEqual([name]);
    }
    expect(await userTables(db)).toEqual([]);
    expect(await migrateToLatest(db)).toEqual(names);
    expect(await migrateToLatest(db)).toEqual([]);
    expect(await userTables(db)).toEqual(TABLES);
  });
});

describe('a failing migration', () => {
  it('leaves the database as it was and says which migration failed', async () => {
    const fresh = await createTestDatabase();
    try {
      // Revert the last migration so a good pending one runs before the broken one, in the same transaction.
      await migrateDown(fresh.db);
      const broken = {
        ...migrations,
        '2999_01_01_0001_broken': {
          async up(db: Kysely<any>) {
            await sql`create table should_vanish (x int)`.execute(db);
            await sql`select * from no_such_table`.execute(db);
          },
        },
      };
      await expect(migrateToLatest(fresh.db, broken)).rejects.toThrow(MigrationError);
      await expect(migrateToLatest(fresh.db, broken)).rejects.toThrow(
        /2999_01_01_0001_broken failed: .*no_such_table/,
      );
      const tables = await userTables(fresh.db);
      expect(tables).not.toContain('should_vanish');
      // The reverted last migration stays reverted (whichever is last).
      const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(fresh.db);
      expect(applied.rows.map((r) => r.name)).not.toContain(Object.keys(migrations).at(-1));
    } finally {
      await fresh.drop();
    }
  });
});
