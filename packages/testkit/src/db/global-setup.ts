import { randomUUID } from 'node:crypto';
import { createDb } from '@tagpulse/db';
import { migrateToLatest } from '@tagpulse/migrations';
import { loadSharedEnv } from '@tagpulse/runtime';
import type { TestProject } from 'vitest/node';
import { adminQuery, withDatabase } from './admin.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the database migrated once for this run; each test file clones it. */
    templateDatabaseUrl: string;
  }
}

/**
 * Migrates a template database once per test run; test files clone it with
 * `CREATE DATABASE … TEMPLATE`, which takes milliseconds. The name is unique
 * per run so two runs on one server never drop each other's template.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { DATABASE_URL } = loadSharedEnv();
  const name = `tagpulse_tpl_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await adminQuery(DATABASE_URL, `create database ${name}`);
  const url = withDatabase(DATABASE_URL, name);
  const db = createDb({ url, max: 1, applicationName: 'tagpulse-test-setup' });
  try {
    await migrateToLatest(db);
  } finally {
    // A template with open connections cannot be cloned.
    await db.destroy();
  }
  project.provide('templateDatabaseUrl', url);
  return async () => {
    await adminQuery(DATABASE_URL, `drop database if exists ${name} with (force)`);
  };
}
