import { readFileSync } from 'node:fs';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { sql } from 'kysely';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `database.ts` is written by hand beside the migrations; this test holds the two together. It reads
 * the `Database` interface with the TypeScript compiler and compares every table, column and
 * nullability with the schema the migrations build: a migration without its types, or types
 * without their migration, fails here rather than at run time.
 */
interface Column {
  name: string;
  nullable: boolean;
}

function declaredTables(): Map<string, Column[]> {
  const file = new URL('./database.ts', import.meta.url);
  const source = ts.createSourceFile('database.ts', readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
  });
  const database = interfaces.get('Database');
  if (!database) throw new Error('database.ts declares no Database interface');
  const tables = new Map<string, Column[]>();
  for (const member of database.members) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const tableName = member.name.getText(source);
    const typeName = member.type.getText(source);
    const table = interfaces.get(typeName);
    if (!table) throw new Error(`Database.${tableName}: interface ${typeName} not found in database.ts`);
    tables.set(
      tableName,
      table.members.filter(ts.isPropertySignature).map((column) => ({
        name: column.name.getText(source),
        nullable: /\bnull\b/.test(column.type?.getText(source) ?? ''),
      })),
    );
  }
  return tables;
}

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

async function migratedTables(): Promise<Map<string, Column[]>> {
  // Partitions (posts_2020_07, …) are storage of their parent, not tables of their own.
  const { rows } = await sql<{ table_name: string; column_name: string; is_nullable: string }>`
    select c.table_name, c.column_name, c.is_nullable
    from information_schema.columns c
    join pg_class k on k.relname = c.table_name and k.relnamespace = 'public'::regnamespace
    where c.table_schema = 'public' and not k.relispartition and k.relkind in ('r', 'p')
      and c.table_name not like 'kysely_migration%'
    order by c.table_name, c.ordinal_position`.execute(testDb.db);
  const tables = new Map<string, Column[]>();
  for (const row of rows) {
    const columns = tables.get(row.table_name) ?? [];
    columns.push({ name: row.column_name, nullable: row.is_nullable === 'YES' });
    tables.set(row.table_name, columns);
  }
  return tables;
}

const byName = (columns: Column[]) => [...columns].sort((a, b) => a.name.localeCompare(b.name));

describe('database.ts against the migrated schema', () => {
  it('declares exactly the tables the migrations create', async () => {
    const migrated = await migratedTables();
    expect(migrated.size).toBeGreaterThan(10);
    expect([...declaredTables().keys()].sort()).toEqual([...migrated.keys()].sort());
  });

  it('declares every column of each table, nullable exactly where the schema allows null', async () => {
    const migrated = await migratedTables();
    for (const [table, columns] of declaredTables()) {
      expect({ table, columns: byName(columns) }).toEqual({
        table,
        columns: byName(migrated.get(table) ?? []),
      });
    }
  });
});
