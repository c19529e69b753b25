import { createDb } from '@tagpulse/db';
import { migrateDown, migrateToLatest } from '@tagpulse/migrations';
import { loadSharedEnv } from '@tagpulse/runtime';
import { Command } from 'commander';
import { runCommand } from './run-command.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('apply pending schema migrations (all in one transaction); exits non-zero on failure')
    .option('--down', 'revert the most recent migration instead')
    .action((options: { down?: boolean }) =>
      runCommand(async () => {
        const env = loadSharedEnv();
        const db = createDb({ url: env.DATABASE_URL, max: 1, applicationName: 'tagpulse-migrate' });
        try {
          const names = options.down ? await migrateDown(db) : await migrateToLatest(db);
          const verb = options.down ? 'reverted' : 'applied';
          console.log(names.length ? `${verb}: ${names.join(', ')}` : 'schema is up to date');
        } finally {
          await db.destroy();
        }
      }),
    );
}
