import { loadSharedEnv } from '@tagpulse/runtime';
import { Command } from 'commander';
import { ensureServices } from '../services/ensure.js';
import { runCommand } from './run-command.js';

export function servicesCommand(): Command {
  return new Command('services')
    .description(
      'make sure PostgreSQL and Redis answer (DATABASE_URL/REDIS_URL, else localhost; installs Debian packages as root) and create the database',
    )
    .action(() =>
      runCommand(async () => {
        const env = loadSharedEnv();
        await ensureServices({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL, say: console.log });
      }),
    );
}
