import { createDb } from '@tagpulse/db';
import { migrateToLatest } from '@tagpulse/migrations';
import { loadEnv } from '@tagpulse/runtime';
import { Command } from 'commander';
import { ensureServices } from '../services/ensure.js';
import { runCommand } from './run-command.js';

export function startCommand(): Command {
  return new Command('start')
    .description('set everything up (PostgreSQL, Redis, schema) and run the service')
    .action(() =>
      runCommand(async () => {
        const env = loadEnv();
        await ensureServices({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL, say: console.log });
        const db = createDb({ url: env.DATABASE_URL, max: 1, applicationName: 'tagpulse-start' });
        try {
          const applied = await migrateToLatest(db);
          console.log(applied.length ? `schema: applied ${applied.join(', ')}` : 'schema: up to date');
        } finally {
          await db.destroy();
        }
        // The worker and the API arrive with the capture and query-API issues; until then
        // `start` stops here, with the database and Redis ready for them.
        console.log('tagpulse: services and schema are ready; the worker and API are not built yet.');
      }),
    );
}
