import { randomUUID } from 'node:crypto';
import { createDb, type Database } from '@tagpulse/db';
import type { Kysely } from 'kysely';
import { inject } from 'vitest';
import { adminQuery, withDatabase } from './admin.js';

export interface TestDatabase {
  db: Kysely<Database>;
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database cloned from this run's template: call it in
 * `beforeAll` of each integration test file and `drop()` in `afterAll`.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('templateDatabaseUrl');
  const templateName = new URL(template).pathname.slice(1);
  const name = `tagpulse_t_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await adminQuery(template, `create database ${name} template ${templateName}`);
  const url = withDatabase(template, name);
  const db = createDb({ url, max: 5, applicationName: 'tagpulse-test' });
  return {
    db,
    url,
    name,
    async drop() {
      await db.destroy();
      await adminQuery(template, `drop database if exists ${name} with (force)`);
    },
  };
}
