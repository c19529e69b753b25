import { randomUUID } from 'node:crypto';
import { createDb } from '@tagpulse/db';
import { migrateToLatest } from '@tagpulse/migrations';
import { adminQuery, withDatabase } from '@tagpulse/testkit/db';

let template: string | undefined;

/** A migrated database of the run's own, cloned from a template migrated once per server. */
export async function createRunDatabase(serverUrl: string): Promise<{ url: string; name: string }> {
  if (!template?.startsWith(serverUrl)) {
    const name = `tagpulse_faults_tpl_${randomUUID().slice(0, 8)}`;
    await adminQuery(serverUrl, `create database ${name}`);
    const db = createDb({ url: withDatabase(serverUrl, name), max: 1 });
    await migrateToLatest(db);
    await db.destroy();
    template = `${serverUrl}#${name}`;
  }
  const templateName = template.split('#')[1];
  const name = `tagpulse_faults_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await adminQuery(serverUrl, `create database ${name} template ${templateName}`);
  return { url: withDatabase(serverUrl, name), name };
}

/** Drops the template database of the server; called once the suite is over. */
export async function dropTemplate(): Promise<void> {
  if (!template) return;
  const [url, name] = template.split('#');
  template = undefined;
  await adminQuery(url!, `drop database if exists ${name} with (force)`).catch(() => {});
}
