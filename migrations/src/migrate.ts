import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import { migrations } from './migrations/index.js';

/**
 * The migrator over the migrations listed in `migrations/index.ts`. A static
 * list rather than kysely's FileMigrationProvider: its native `import()` of
 * `.ts` files fails under the test runner. On PostgreSQL, kysely runs the
 * pending migrations in one transaction, so a failure leaves the schema as it was.
 */
export function createMigrator(db: Kysely<any>, list: Record<string, Migration> = migrations): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => list } });
}

/** Thrown with the name of the migration that failed and the database error as `cause`. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

function unwrap({ error, results = [] }: MigrationResultSet): string[] {
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'unknown migration';
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migration ${failed} failed: ${reason}`, { cause: error });
  }
  return results.map((r) => r.migrationName);
}

/** Applies every pending migration; returns the names applied (none when up to date). */
export async function migrateToLatest(db: Kysely<any>, list?: Record<string, Migration>): Promise<string[]> {
  return unwrap(await createMigrator(db, list).migrateToLatest());
}

/** Reverts the most recent migration; returns its name. */
export async function migrateDown(db: Kysely<any>, list?: Record<string, Migration>): Promise<string[]> {
  return unwrap(await createMigrator(db, list).migrateDown());
}
